//! What a file is, from its first bytes, and whether it is whole.

use super::Kind;

pub(crate) enum Sniffed {
    Kind(Kind),
    /// HEIC/HEIF (an ISO base media file of an image brand): recognised so
    /// a parent is told what to do, not accepted.
    Heic,
    Other,
}

const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Image brands of HEIF files as phones write them (ISO/IEC 23008-12).
const HEIF_BRANDS: [&[u8; 4]; 11] = [
    b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs", b"mif1", b"msf1",
    b"mif2",
];

pub(crate) fn sniff(bytes: &[u8]) -> Sniffed {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Sniffed::Kind(Kind::Jpeg)
    } else if bytes.starts_with(PNG_SIGNATURE) {
        Sniffed::Kind(Kind::Png)
    } else if bytes.starts_with(b"%PDF-") {
        Sniffed::Kind(Kind::Pdf)
    } else if is_heif(bytes) {
        Sniffed::Heic
    } else {
        Sniffed::Other
    }
}

/// An `ftyp` box first whose major brand, or one of its compatible brands,
/// is a HEIF image brand. (AVIF also lists `mif1`; it is not HEIC, and is
/// refused as an unknown type.)
fn is_heif(bytes: &[u8]) -> bool {
    if bytes.len() < 16 || &bytes[4..8] != b"ftyp" {
        return false;
    }
    let major = &bytes[8..12];
    if major == b"avif" || major == b"avis" {
        return false;
    }
    let size = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    let end = size.clamp(16, bytes.len().min(256));
    std::iter::once(major)
        .chain(bytes[16..end].chunks_exact(4))
        .any(|brand| HEIF_BRANDS.iter().any(|b| b.as_slice() == brand))
}

/// `%PDF-1.x` at the start and `%%EOF` in the last kilobyte: a file cut
/// short in transfer (or a different file) has no end marker there.
pub(crate) fn pdf_complete(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(1024)..];
    bytes.starts_with(b"%PDF-")
        && bytes.get(5).is_some_and(u8::is_ascii_digit)
        && tail.windows(5).any(|w| w == b"%%EOF")
}

/// Walks a JPEG's segments and entropy-coded scans to its end-of-image
/// marker. A file cut short never reaches one. Anything after it (phones
/// append motion-photo video there) is ignored: the re-encoding drops it.
pub(crate) fn jpeg_complete(bytes: &[u8]) -> bool {
    let mut i = 2;
    loop {
        if bytes.get(i) != Some(&0xFF) {
            return false;
        }
        while bytes.get(i) == Some(&0xFF) {
            i += 1;
        }
        let Some(&marker) = bytes.get(i) else {
            return false;
        };
        i += 1;
        match marker {
            0xD9 => return true,
            0x01 | 0xD0..=0xD7 => continue,
            _ => {}
        }
        let (Some(&hi), Some(&lo)) = (bytes.get(i), bytes.get(i + 1)) else {
            return false;
        };
        let length = usize::from(u16::from_be_bytes([hi, lo]));
        if length < 2 {
            return false;
        }
        i += length;
        if marker == 0xDA {
            // Scan data: 0xFF is followed by a stuffed zero or a restart
            // marker, until the next real marker.
            loop {
                match (bytes.get(i), bytes.get(i + 1)) {
                    (Some(0xFF), Some(0x00 | 0xD0..=0xD7)) => i += 2,
                    (Some(0xFF), Some(_)) => break,
                    (Some(_), _) => i += 1,
                    (None, _) => return false,
                }
            }
        }
    }
}

/// A PNG signature and an `IEND` chunk at the very end.
pub(crate) fn png_complete(bytes: &[u8]) -> bool {
    bytes.starts_with(PNG_SIGNATURE)
        && bytes.len() >= PNG_SIGNATURE.len() + 12
        && bytes[bytes.len() - 8..bytes.len() - 4] == *b"IEND"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heif(major: &[u8; 4], compatible: &[&[u8; 4]]) -> Vec<u8> {
        let size = 16 + 4 * compatible.len();
        let mut bytes = (size as u32).to_be_bytes().to_vec();
        bytes.extend_from_slice(b"ftyp");
        bytes.extend_from_slice(major);
        bytes.extend_from_slice(&[0, 0, 0, 0]);
        for brand in compatible {
            bytes.extend_from_slice(*brand);
        }
        bytes.extend_from_slice(&[0; 64]);
        bytes
    }

    #[test]
    fn heic_and_heif_brands_are_recognised_and_avif_and_mp4_are_not() {
        assert!(matches!(
            sniff(&heif(b"heic", &[b"mif1", b"heic"])),
            Sniffed::Heic
        ));
        assert!(matches!(sniff(&heif(b"mif1", &[b"heic"])), Sniffed::Heic));
        assert!(matches!(sniff(&heif(b"msf1", &[])), Sniffed::Heic));
        assert!(matches!(sniff(&heif(b"avif", &[b"mif1"])), Sniffed::Other));
        assert!(matches!(sniff(&heif(b"isom", &[b"mp41"])), Sniffed::Other));
    }

    #[test]
    fn a_pdf_is_whole_only_with_its_end_marker() {
        assert!(pdf_complete(b"%PDF-1.7\n...\n%%EOF\n"));
        assert!(!pdf_complete(b"%PDF-1.7\n...\n"));
        assert!(!pdf_complete(b"%PDF-x\n%%EOF"));
        let mut far = b"%PDF-1.4\n%%EOF\n".to_vec();
        far.extend_from_slice(&[b' '; 2048]);
        assert!(!pdf_complete(&far), "the marker must be near the end");
    }

    #[test]
    fn a_jpeg_walk_stops_at_its_end_and_fails_when_cut() {
        // SOI, an APP0 of 4 bytes, SOS of 2 bytes, scan data with a stuffed
        // FF 00 and a restart marker, EOI.
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 1, 2, 0xFF, 0xDA, 0x00, 0x02, 9, 0xFF, 0x00, 8,
            0xFF, 0xD0, 7, 0xFF, 0xD9,
        ];
        assert!(jpeg_complete(&jpeg));
        for cut in 3..jpeg.len() {
            assert!(!jpeg_complete(&jpeg[..cut]), "cut at {cut}");
        }
        let mut trailer = jpeg.to_vec();
        trailer.extend_from_slice(b"motion photo video");
        assert!(jpeg_complete(&trailer));
    }
}
