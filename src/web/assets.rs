//! Static assets of the panel, compiled into the binary: one stylesheet.

use axum::http::header;
use axum::response::IntoResponse;

/// The panel's stylesheet (readable, WCAG 2.1 AA contrast, visible focus, print styles).
pub const CSS: &str = include_str!("zszo.css");

/// `GET /panel/assets/zszo.css`
pub async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
}

#[cfg(test)]
mod tests {
    //! WCAG 2.1 AA contrast (1.4.3: 4.5:1 for text; 1.4.11: 3:1 for control borders) of the
    //! colour pairs the stylesheet declares, read from the CSS itself so a change is caught.

    use super::CSS;

    /// The first `#rrggbb` value of `property` in the rule whose selector list is `selector`.
    fn colour(selector: &str, property: &str) -> [u8; 3] {
        let body = CSS
            .split('}')
            .filter_map(|rule| rule.split_once('{'))
            .find(|(sel, _)| sel.trim().rsplit('\n').next().unwrap_or("").trim() == selector)
            .unwrap_or_else(|| panic!("no rule {selector:?}"))
            .1;
        let value = body
            .split(';')
            .filter_map(|d| d.split_once(':'))
            .find(|(p, _)| p.trim() == property)
            .unwrap_or_else(|| panic!("{selector} has no {property}"))
            .1;
        let hex = value
            .split_whitespace()
            .find(|w| w.starts_with('#'))
            .unwrap();
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).unwrap();
        [byte(1), byte(3), byte(5)]
    }

    fn luminance(c: [u8; 3]) -> f64 {
        let lin = |v: u8| {
            let s = f64::from(v) / 255.0;
            if s <= 0.04045 {
                s / 12.92
            } else {
                ((s + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * lin(c[0]) + 0.7152 * lin(c[1]) + 0.0722 * lin(c[2])
    }

    fn ratio(a: [u8; 3], b: [u8; 3]) -> f64 {
        let (x, y) = (luminance(a), luminance(b));
        (x.max(y) + 0.05) / (x.min(y) + 0.05)
    }

    #[test]
    fn text_colours_meet_wcag_aa_contrast_on_their_backgrounds() {
        let white = [255, 255, 255];
        let body_bg = colour("body", "background");
        let header_bg = colour(".site-header", "background");
        let pairs = [
            ("body text", colour("body", "color"), body_bg),
            ("links", colour("a", "color"), body_bg),
            ("hovered links", colour("a:hover", "color"), body_bg),
            ("header text", colour(".site-header", "color"), header_bg),
            (
                "header links",
                colour(".site-header a, .site-header .link-button", "color"),
                header_bg,
            ),
            (
                "buttons",
                colour("button, .button", "color"),
                colour("button, .button", "background"),
            ),
            (
                "hovered buttons",
                colour("button, .button", "color"),
                colour("button:hover, .button:hover", "background"),
            ),
            (
                "secondary buttons",
                colour("button.secondary, .button.secondary", "color"),
                colour("button.secondary, .button.secondary", "background"),
            ),
            (
                "danger buttons",
                colour("button, .button", "color"),
                colour("button.danger", "background"),
            ),
            ("link buttons", colour(".link-button", "color"), body_bg),
            (
                "errors",
                colour(".error", "color"),
                colour(".error", "background"),
            ),
            (
                "notices",
                colour(".notice", "color"),
                colour(".notice", "background"),
            ),
            (
                "table headers",
                colour("body", "color"),
                colour("th", "background"),
            ),
        ];
        let mut failing = Vec::new();
        for (what, fg, bg) in pairs {
            let r = ratio(fg, bg);
            if r < 4.5 {
                failing.push(format!("{what}: {r:.2}:1"));
            }
        }
        assert!(failing.is_empty(), "{failing:?}");
        // Form control borders against the page (1.4.11 non-text contrast).
        let border = [0x5a, 0x5a, 0x5a];
        assert!(ratio(border, white) >= 3.0);
    }

    #[test]
    fn the_contrast_formula_matches_known_values() {
        assert!((ratio([0, 0, 0], [255, 255, 255]) - 21.0).abs() < 0.01);
        assert!((ratio([0x77, 0x77, 0x77], [255, 255, 255]) - 4.48).abs() < 0.01);
    }
}
