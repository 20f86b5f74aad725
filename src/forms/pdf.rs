//! A small PDF writer for the printed forms: A4 pages of wrapped text in DejaVu Sans,
//! embedded (Debian's fonts-dejavu-core, licence in `assets/fonts/LICENSE-DejaVu.txt`), so
//! Polish letters print right on any viewer and text extraction (`pdftotext`) gives them
//! back: the font is a CID font (Identity-H, glyph ids as codes) with a ToUnicode map of the
//! glyphs used.
//!
//! Layout is deliberately simple (headings, labelled fields, paragraphs, rules): forms, not
//! typesetting.

use crate::forms::document::F02;
use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Content, Filter, Finish, Name, Pdf, Rect, Ref, Str};
use std::collections::BTreeMap;

const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 56.0;
const LABEL_W: f32 = 170.0;

/// Text laid out on pages, then written as one PDF.
pub struct Document {
    face: ttf_parser::Face<'static>,
    pages: Vec<Content>,
    y: f32,
    /// Glyph id → the text it stands for (for ToUnicode).
    used: BTreeMap<u16, char>,
}

impl Document {
    pub fn new() -> Self {
        // The font is compiled in and parsed by the unit tests: it cannot fail here.
        let face = ttf_parser::Face::parse(FONT, 0).expect("the embedded font parses");
        let mut doc = Self {
            face,
            pages: Vec::new(),
            y: 0.0,
            used: BTreeMap::new(),
        };
        doc.new_page();
        doc
    }

    fn new_page(&mut self) {
        self.pages.push(Content::new());
        self.y = PAGE_H - MARGIN;
    }

    fn room_for(&mut self, height: f32) {
        if self.y - height < MARGIN {
            self.new_page();
        }
    }

    fn glyphs(&mut self, text: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(text.len() * 2);
        for c in text.chars() {
            let gid = self.face.glyph_index(c).map_or(0, |g| g.0);
            self.used.entry(gid).or_insert(c);
            out.extend_from_slice(&gid.to_be_bytes());
        }
        out
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        let units = f32::from(self.face.units_per_em());
        text.chars()
            .map(|c| {
                self.face
                    .glyph_index(c)
                    .and_then(|g| self.face.glyph_hor_advance(g))
                    .map_or(0.0, f32::from)
            })
            .sum::<f32>()
            * size
            / units
    }

    /// Splits `text` into lines no wider than `width` (at spaces; a longer word is cut).
    fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            for word in paragraph.split_whitespace() {
                let candidate = if line.is_empty() {
                    word.to_owned()
                } else {
                    format!("{line} {word}")
                };
                if self.width(&candidate, size) <= width {
                    line = candidate;
                    continue;
                }
                if !line.is_empty() {
                    lines.push(std::mem::take(&mut line));
                }
                let mut piece = String::new();
                for c in word.chars() {
                    piece.push(c);
                    if self.width(&piece, size) > width {
                        piece.pop();
                        lines.push(std::mem::take(&mut piece));
                        piece.push(c);
                    }
                }
                line = piece;
            }
            lines.push(line);
        }
        lines
    }

    fn show(&mut self, x: f32, y: f32, size: f32, text: &str) {
        let glyphs = self.glyphs(text);
        let page = self.pages.last_mut().expect("a page exists");
        page.begin_text();
        page.set_font(Name(b"F1"), size);
        page.next_line(x, y);
        page.show(Str(&glyphs));
        page.end_text();
    }

    /// A line of text at `size`, wrapped to the page, centred when asked.
    pub fn text(&mut self, text: &str, size: f32, centred: bool) {
        let lines = self.wrap(text, size, PAGE_W - 2.0 * MARGIN);
        for line in lines {
            self.room_for(size * 1.4);
            self.y -= size * 1.4;
            let x = if centred {
                (PAGE_W - self.width(&line, size)) / 2.0
            } else {
                MARGIN
            };
            self.show(x, self.y, size, &line);
        }
    }

    /// `label` in the left column, `value` wrapped in the right one.
    pub fn field(&mut self, label: &str, value: &str) {
        let size = 10.5;
        let right = PAGE_W - 2.0 * MARGIN - LABEL_W;
        let labels = self.wrap(label, size, LABEL_W - 8.0);
        let values = self.wrap(value, size, right);
        let n = labels.len().max(values.len());
        self.room_for(size * 1.45 * n as f32 + 4.0);
        self.y -= 4.0;
        for i in 0..n {
            self.y -= size * 1.45;
            if let Some(l) = labels.get(i) {
                self.show(MARGIN, self.y, size, l);
            }
            if let Some(v) = values.get(i) {
                self.show(MARGIN + LABEL_W, self.y, size, v);
            }
        }
    }

    /// Vertical space.
    pub fn gap(&mut self, points: f32) {
        self.y -= points;
    }

    /// A horizontal line across the text width.
    pub fn rule(&mut self) {
        self.room_for(12.0);
        self.y -= 8.0;
        let y = self.y;
        let page = self.pages.last_mut().expect("a page exists");
        page.set_line_width(0.5);
        page.move_to(MARGIN, y);
        page.line_to(PAGE_W - MARGIN, y);
        page.stroke();
    }

    /// The finished PDF.
    pub fn finish(self) -> Vec<u8> {
        let mut pdf = Pdf::new();
        let mut next = 1;
        let mut alloc = || {
            let r = Ref::new(next);
            next += 1;
            r
        };
        let catalog = alloc();
        let tree = alloc();
        let type0 = alloc();
        let cid = alloc();
        let descriptor = alloc();
        let file = alloc();
        let cmap_ref = alloc();
        let page_refs: Vec<(Ref, Ref)> = self.pages.iter().map(|_| (alloc(), alloc())).collect();

        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree)
            .kids(page_refs.iter().map(|(p, _)| *p))
            .count(page_refs.len() as i32);
        for (content, (page_ref, content_ref)) in self.pages.into_iter().zip(&page_refs) {
            let mut page = pdf.page(*page_ref);
            page.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
                .parent(tree)
                .contents(*content_ref);
            page.resources().fonts().pair(Name(b"F1"), type0);
            page.finish();
            pdf.stream(*content_ref, &content.finish());
        }

        let face = &self.face;
        let scale = 1000.0 / f32::from(face.units_per_em());
        let name = Name(b"DejaVuSans");
        pdf.type0_font(type0)
            .base_font(name)
            .encoding_predefined(Name(b"Identity-H"))
            .descendant_font(cid)
            .to_unicode(cmap_ref);
        let info = SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        };
        let mut font = pdf.cid_font(cid);
        font.subtype(CidFontType::Type2)
            .base_font(name)
            .system_info(info)
            .font_descriptor(descriptor)
            .default_width(0.0)
            .cid_to_gid_map_predefined(Name(b"Identity"));
        {
            let mut widths = font.widths();
            for &gid in self.used.keys() {
                let w = face
                    .glyph_hor_advance(ttf_parser::GlyphId(gid))
                    .map_or(0.0, |w| f32::from(w) * scale);
                widths.consecutive(gid, [w]);
            }
        }
        font.finish();
        let b = face.global_bounding_box();
        pdf.font_descriptor(descriptor)
            .name(name)
            .flags(FontFlags::NON_SYMBOLIC)
            .bbox(Rect::new(
                f32::from(b.x_min) * scale,
                f32::from(b.y_min) * scale,
                f32::from(b.x_max) * scale,
                f32::from(b.y_max) * scale,
            ))
            .italic_angle(0.0)
            .ascent(f32::from(face.ascender()) * scale)
            .descent(f32::from(face.descender()) * scale)
            .cap_height(f32::from(face.capital_height().unwrap_or(face.ascender())) * scale)
            .stem_v(80.0)
            .font_file2(file);
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(FONT, 6);
        pdf.stream(file, &compressed)
            .filter(Filter::FlateDecode)
            .pair(Name(b"Length1"), FONT.len() as i32);
        let mut cmap = UnicodeCmap::new(Name(b"Custom"), info);
        for (&gid, &c) in &self.used {
            cmap.pair(gid, c);
        }
        pdf.cmap(cmap_ref, &cmap.finish());
        pdf.finish()
    }
}

impl Default for Document {
    fn default() -> Self {
        Self::new()
    }
}

/// The F-02 as a PDF: the authorization, signature lines and, when revoked, the revocation.
pub fn f02_pdf(doc: &F02) -> Vec<u8> {
    let mut pdf = Document::new();
    pdf.text("F-02", 9.0, false);
    pdf.text(&doc.place_date, 11.0, false);
    pdf.gap(6.0);
    pdf.text(&doc.title.to_uppercase(), 15.0, true);
    pdf.text(&format!("nr {}", doc.number), 11.0, true);
    pdf.gap(10.0);
    for (label, value) in &doc.fields {
        pdf.field(label, value);
    }
    pdf.gap(36.0);
    // Two columns, as in the print view: the text layout folds runs of spaces.
    let line = "................................................";
    pdf.field(line, line);
    pdf.field(
        "(podpis osoby nadającej upoważnienie)",
        "(podpis osoby upoważnionej)",
    );
    if let Some(revocation) = &doc.revocation {
        pdf.gap(12.0);
        pdf.rule();
        pdf.gap(6.0);
        pdf.text("ODWOŁANIE UPOWAŻNIENIA", 13.0, true);
        pdf.text(&format!("nr {}", doc.number), 11.0, true);
        pdf.gap(6.0);
        for (label, value) in revocation {
            pdf.field(label, value);
        }
        pdf.gap(30.0);
        pdf.text(
            "......................................................",
            9.0,
            false,
        );
        pdf.text("(podpis osoby odwołującej upoważnienie)", 8.0, false);
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_has_every_polish_letter() {
        let face = ttf_parser::Face::parse(FONT, 0).unwrap();
        for c in "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ".chars() {
            assert!(face.glyph_index(c).is_some(), "{c}");
        }
    }

    #[test]
    fn long_text_wraps_within_the_width_and_keeps_every_word() {
        let doc = Document::new();
        let text = "Zażółć gęślą jaźń ".repeat(20);
        let lines = doc.wrap(&text, 10.0, 200.0);
        assert!(lines.len() > 3);
        assert!(lines.iter().all(|l| doc.width(l, 10.0) <= 200.0));
        assert_eq!(lines.join(" ").split_whitespace().count(), 60);
    }

    #[test]
    fn a_pdf_starts_and_ends_like_one() {
        let mut doc = Document::new();
        doc.text("Łódź", 12.0, false);
        let bytes = doc.finish();
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(bytes.ends_with(b"%%EOF") || bytes.ends_with(b"%%EOF\n"));
    }
}
