//! The enrolment QR code as inline SVG, rendered on the server (no JavaScript, no image
//! request: the page's CSP allows no inline script, and the SVG is markup in the page).

use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// An SVG QR code of `text` with a text alternative for screen readers; `None` when the
/// text is too long for a QR code.
pub fn svg_of(text: &str, label: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build();
    // The renderer starts with an XML declaration, which inline SVG must not have.
    let start = image.find("<svg")?;
    let label = label
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;");
    Some(image[start..].replacen(
        "<svg",
        &format!("<svg role=\"img\" aria-label=\"{label}\""),
        1,
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_svg_is_inline_markup_with_a_label() {
        let svg = super::svg_of("otpauth://totp/ZSZO:jan?secret=ABC", "kod <QR>").unwrap();
        assert!(
            svg.starts_with("<svg role=\"img\" aria-label=\"kod &lt;QR>\""),
            "{svg}"
        );
        assert!(!svg.contains("<?xml"));
        assert!(!svg.contains("<script"));
    }
}
