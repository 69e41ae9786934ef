//! What the family reads and hears, as one plain text the check can run on,
//! with a map from every byte of it back to the Markdown source.
//!
//! The Markdown is parsed with the renderer's options and read through the
//! renderer's rules ([`crate::render`]): emphasis, links and entities are
//! undone (`**Dean**`, `[Dean](…)`, `Dea&#110;`, `De*an*` all read "Dean"),
//! raw HTML keeps only the text between its tags and comments
//! (`D<!-- -->ean`), images give their alt text, and a kept link's
//! destination (`mailto:`, `tel:`, a web address) is read too, since the
//! family can see it. Blocks (paragraphs, headings, list items, cells) are
//! kept apart by a blank line, so no finding runs from one to the next.
//!
//! The text is then normalised, character by character: default-ignorable
//! characters are dropped (soft hyphen, zero-width space and joiners,
//! bidirectional controls, variation selectors), letters that look like
//! Latin ones (Cyrillic "е", Greek "Α", fullwidth and mathematical letters)
//! are folded to Latin with the Unicode confusables table (UTS #39, through
//! the `unicode-security` crate), and other compatibility forms are
//! NFKC-decomposed ("ﬁ" -> "fi").
//!
//! The map is a list of pieces, not a table per byte: a piece of the text
//! copied unchanged from the source maps byte for byte; any other piece maps
//! as a whole to the source range it came from (an entity, an escape, a
//! folded letter).

use std::ops::Range;

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use unicode_normalization::char::decompose_compatible;

use crate::render::{html_text_ranges, markdown_options};

/// One piece of the visible text and where it came from.
#[derive(Clone, Copy, Debug)]
struct Piece {
    /// Where the piece starts in the visible text.
    at: usize,
    /// The source range it came from.
    src: (usize, usize),
    /// True when the piece is the source copied byte for byte.
    exact: bool,
}

/// The visible text of a Markdown source and the map back to the source.
pub struct Visible {
    pub text: String,
    pieces: Vec<Piece>,
    /// The open link: its destination, where that is in the source, and
    /// where the link's text starts in `text`.
    link: Option<(String, usize, usize)>,
}

/// True when `markdown` holds nothing that reads differently once rendered
/// and normalised: no Markdown or HTML punctuation that can hide or split a
/// word, and no character that normalising changes. Such a text is checked
/// as it is, which is the same check.
pub fn reads_as_written(markdown: &str) -> bool {
    // One pass over the bytes; the characters only when some are not ASCII.
    let mut ascii = true;
    for &b in markdown.as_bytes() {
        if b >= 0x80 {
            ascii = false;
        } else if matches!(
            b,
            b'*' | b'_' | b'[' | b'<' | b'&' | b'\\' | b'`' | b'~' | b'|'
        ) {
            return false;
        }
    }
    ascii || markdown.chars().all(|c| c.is_ascii() || plain(c))
}

/// A non-ASCII character that normalising leaves as it is (an accented
/// letter's canonical decomposition is left to the name folding).
fn plain(c: char) -> bool {
    !ignorable(c) && !foldable(c) && !compatibility_form(c)
}

/// True when NFKC changes `c` beyond its canonical decomposition: "ﬁ",
/// "①", "Ｄ", a non-breaking hyphen.
fn compatibility_form(c: char) -> bool {
    let mut canonical = [None; 4];
    let mut n = 0;
    unicode_normalization::char::decompose_canonical(c, |d| {
        if n < 4 {
            canonical[n] = Some(d);
        }
        n += 1;
    });
    let mut k = 0;
    let mut differs = false;
    decompose_compatible(c, |d| {
        differs |= k >= 4 || canonical[k] != Some(d);
        k += 1;
    });
    differs || k != n
}

/// Default-ignorable code points (Unicode DerivedCoreProperties): invisible,
/// so a name written with them inside reads whole.
fn ignorable(c: char) -> bool {
    matches!(c as u32,
        0x00AD | 0x034F | 0x061C | 0x115F..=0x1160 | 0x17B4..=0x17B5 | 0x180B..=0x180F
        | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0x3164 | 0xFE00..=0xFE0F
        | 0xFEFF | 0xFFA0 | 0xFFF0..=0xFFF8 | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A
        | 0xE0000..=0xE0FFF)
}

/// Scripts and blocks whose letters can pass for Latin: Greek, Cyrillic,
/// Armenian, Cherokee, IPA and phonetic letters, letterlike symbols,
/// fullwidth forms, mathematical alphanumerics.
fn foldable(c: char) -> bool {
    matches!(c as u32,
        0x0250..=0x02AF | 0x0370..=0x058F | 0x13A0..=0x13FF | 0x1D00..=0x1DBF | 0x2100..=0x214F
        | 0xFF00..=0xFFEF | 0x1D400..=0x1D7FF)
}

/// The Latin letter a character is confusable with, if it is one letter.
fn latin_lookalike(c: char) -> Option<char> {
    let mut buf = [0u8; 4];
    let mut skeleton = unicode_security::confusable_detection::skeleton(c.encode_utf8(&mut buf));
    let first = skeleton.next()?;
    (skeleton.next().is_none() && first.is_ascii_alphabetic()).then_some(first)
}

impl Visible {
    /// Reads `markdown` as the family will see it.
    pub fn of(markdown: &str) -> Self {
        let mut v = Visible {
            text: String::with_capacity(markdown.len()),
            pieces: Vec::new(),
            link: None,
        };
        let parser = Parser::new_ext(markdown, markdown_options()).into_offset_iter();
        for (event, range) in parser {
            match event {
                Event::Text(t) => v.push_source(markdown, &t, range),
                Event::Code(t) => {
                    // The range holds the backticks: narrow it to the code.
                    let inner = markdown[range.clone()]
                        .find(&*t)
                        .map_or(range.clone(), |i| {
                            range.start + i..range.start + i + t.len()
                        });
                    v.push_source(markdown, &t, inner);
                }
                Event::Html(raw) | Event::InlineHtml(raw) => {
                    for r in html_text_ranges(&raw) {
                        let part = &raw[r.clone()];
                        if markdown[range.clone()] == *raw {
                            let at = range.start + r.start;
                            v.push_source(markdown, part, at..at + part.len());
                        } else {
                            v.push_source(markdown, part, range.clone());
                        }
                    }
                }
                Event::SoftBreak | Event::HardBreak => v.push_break("\n", range.start),
                // The destination of a link is read after its text.
                Event::Start(Tag::Link { dest_url, .. }) if !dest_url.is_empty() => {
                    let src = &markdown[range.clone()];
                    let at = src
                        .rfind(&*dest_url)
                        .map_or(range.start, |i| range.start + i);
                    v.pending_link(dest_url.to_string(), at);
                }
                Event::Start(Tag::Link { .. }) => {}
                Event::End(TagEnd::Link) => v.flush_link(markdown),
                Event::Start(
                    Tag::Emphasis | Tag::Strong | Tag::Strikethrough | Tag::Image { .. },
                )
                | Event::End(
                    TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough | TagEnd::Image,
                ) => {}
                Event::Start(_) | Event::End(_) | Event::Rule => v.push_break("\n\n", range.start),
                _ => {}
            }
        }
        v.flush_link(markdown);
        v
    }

    /// Maps a byte range of the visible text back to the source: from where
    /// its first byte came from to where its last byte came from.
    pub fn source_range(&self, start: usize, end: usize) -> (usize, usize) {
        let piece = |at: usize| {
            let k = self.pieces.partition_point(|p| p.at <= at);
            self.pieces[k.saturating_sub(1)]
        };
        let first = piece(start);
        let from = if first.exact {
            first.src.0 + (start - first.at)
        } else {
            first.src.0
        };
        let last = piece(end.saturating_sub(1).max(start));
        let to = if last.exact {
            last.src.0 + (end - last.at)
        } else {
            last.src.1
        };
        (from, to.max(from))
    }

    fn push_break(&mut self, s: &str, at: usize) {
        if self.text.is_empty() || self.text.ends_with("\n\n") {
            return;
        }
        self.pieces.push(Piece {
            at: self.text.len(),
            src: (at, at),
            exact: false,
        });
        self.text.push_str(s);
    }

    /// Appends `shown`, which came from `src` of the source, normalised.
    fn push_source(&mut self, markdown: &str, shown: &str, src: Range<usize>) {
        let exact = markdown.get(src.clone()) == Some(shown);
        if exact && reads_as_written(shown) {
            self.push_piece(src.start, src.end, true);
            self.text.push_str(shown);
            return;
        }
        let bytes = shown.as_bytes();
        let mut i = 0;
        while i < shown.len() {
            // A run of ASCII reads as it is: one piece, copied at once.
            let run = bytes[i..]
                .iter()
                .position(|b| !b.is_ascii())
                .map_or(shown.len(), |k| i + k);
            if run > i {
                let (from, to) = if exact {
                    (src.start + i, src.start + run)
                } else {
                    (src.start, src.end)
                };
                self.push_piece(from, to, exact);
                self.text.push_str(&shown[i..run]);
                self.join_last();
                i = run;
                continue;
            }
            let Some(c) = shown[i..].chars().next() else {
                break;
            };
            let at_char = i;
            i += c.len_utf8();
            if ignorable(c) {
                continue;
            }
            let i = at_char;
            let (from, to) = if exact {
                (src.start + i, src.start + i + c.len_utf8())
            } else {
                (src.start, src.end)
            };
            let at = self.text.len();
            let unchanged = c.is_ascii() || plain(c);
            if unchanged {
                self.text.push(c);
            } else if let Some(l) = foldable(c).then(|| latin_lookalike(c)).flatten() {
                self.text.push(l);
            } else {
                decompose_compatible(c, |d| self.text.push(d));
            }
            self.pieces.push(Piece {
                at,
                src: (from, to),
                exact: exact && unchanged,
            });
            self.join_last();
        }
    }

    fn push_piece(&mut self, from: usize, to: usize, exact: bool) {
        self.pieces.push(Piece {
            at: self.text.len(),
            src: (from, to),
            exact,
        });
    }

    /// Joins the last piece to the one before when both are byte for byte
    /// and follow on in the source.
    fn join_last(&mut self) {
        let n = self.pieces.len();
        if n >= 2 {
            let (a, b) = (self.pieces[n - 2], self.pieces[n - 1]);
            if a.exact && b.exact && a.src.1 == b.src.0 && b.at - a.at == a.src.1 - a.src.0 {
                self.pieces[n - 2].src.1 = b.src.1;
                self.pieces.pop();
            }
        }
    }

    fn pending_link(&mut self, dest: String, at: usize) {
        self.link = Some((dest, at, self.text.len()));
    }

    /// Reads a link's destination after its text, unless the text already
    /// says it (`<dean@example.org>`).
    fn flush_link(&mut self, markdown: &str) {
        if let Some((dest, at, text_start)) = self.link.take() {
            if self.text[text_start..].contains(dest.as_str()) {
                return;
            }
            self.push_break("\n\n", at);
            let end = (at + dest.len()).min(markdown.len());
            self.push_source(markdown, &dest, at..end);
            self.push_break("\n\n", end);
        }
    }
}

/// Widens a source range so that the emphasis markers inside it are
/// balanced: "De*an" -> "De*an*", so that redacting the range leaves no
/// stray marker behind.
pub fn balance_markup(text: &str, mut start: usize, mut end: usize) -> (usize, usize) {
    for marker in ['*', '_', '~'] {
        let count = text[start..end].matches(marker).count();
        if count % 2 == 1 {
            if text[end..].starts_with(marker) {
                end += 1;
            } else if text[..start].ends_with(marker) {
                start -= 1;
            }
        }
    }
    (start, end)
}
