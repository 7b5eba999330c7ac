//! QR codes for MFA enrolment: drawn in the terminal with Unicode half blocks (or, where the
//! terminal cannot show Unicode, with `#` two to a module), or written as a PNG for
//! `--mfa-qr-png`.
//!
//! The terminal drawing assumes the usual light-on-dark terminal: light modules, including the
//! four-module quiet zone, are drawn as blocks in the foreground colour and dark modules are
//! left blank, so a phone sees dark modules on a light field. It uses error correction level L
//! (a screen is not smudged), which keeps an AWS otpauth URI at 49 columns by 25 lines; the
//! PNG, which may be printed, uses level M.

use qrcode::render::unicode::Dense1x2;
use qrcode::{Color, EcLevel, QrCode};

/// Modules of light border around the code, as the QR standard asks.
const QUIET_ZONE: usize = 4;
/// Pixels per module in the PNG.
const PNG_SCALE: usize = 8;

#[derive(Debug, thiserror::Error)]
pub(crate) enum QrError {
    #[error("the MFA URI does not fit in a QR code: {0}")]
    TooLong(#[from] qrcode::types::QrError),
    #[error("could not encode the QR code as PNG: {0}")]
    Png(#[from] png::EncodingError),
}

/// The code as lines of half-block characters, quiet zone included (49 columns for an AWS
/// otpauth URI); with `unicode` false, as lines of `#` and spaces, a module two characters
/// wide and one line high (98 columns).
pub(crate) fn terminal(data: &str, unicode: bool) -> Result<String, QrError> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::L)?;
    if !unicode {
        return Ok(code
            .render::<char>()
            .dark_color(' ')
            .light_color('#')
            .module_dimensions(2, 1)
            .quiet_zone(true)
            .build());
    }
    Ok(code
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(true)
        .build())
}

/// How many columns a terminal drawing takes.
pub(crate) fn width(drawing: &str) -> usize {
    drawing
        .lines()
        .map(|line| line.chars().count())
        .max()
        .unwrap_or(0)
}

/// The code as an 8-bit greyscale PNG, 8 pixels a module, quiet zone included.
pub(crate) fn png(data: &str) -> Result<Vec<u8>, QrError> {
    let code = QrCode::new(data.as_bytes())?;
    let modules = code.width();
    let colors = code.to_colors();
    let side = (modules + 2 * QUIET_ZONE) * PNG_SCALE;
    let mut pixels = vec![255u8; side * side];
    for (index, color) in colors.iter().enumerate() {
        if *color == Color::Light {
            continue;
        }
        let (row, column) = (index / modules + QUIET_ZONE, index % modules + QUIET_ZONE);
        for y in row * PNG_SCALE..(row + 1) * PNG_SCALE {
            pixels[y * side + column * PNG_SCALE..y * side + (column + 1) * PNG_SCALE].fill(0);
        }
    }
    let mut out = Vec::new();
    {
        let side = u32::try_from(side).expect("a QR code is at most 177 modules wide");
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(&pixels)?;
    }
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Reads a terminal drawing back into modules and decodes it, as a phone would from the
    /// screen: a half-block drawing has two modules a line, an ASCII one half a module a column.
    pub(crate) fn decode_terminal(drawing: &str) -> String {
        let lines: Vec<Vec<char>> = drawing.lines().map(|line| line.chars().collect()).collect();
        let ascii = drawing.is_ascii();
        let width = width(drawing);
        let height = if ascii { lines.len() } else { lines.len() * 2 };
        let lit = |x: usize, y: usize| -> bool {
            if ascii {
                return lines[y].get(x).copied() == Some('#');
            }
            let cell = lines[y / 2].get(x).copied().unwrap_or(' ');
            matches!((cell, y % 2), ('█', _) | ('▀', 0) | ('▄', 1))
        };
        let mut image =
            rqrr::PreparedImage::prepare_from_greyscale(width * 4, height * 4, |x, y| {
                if lit(x / 4, y / 4) { 255 } else { 0 }
            });
        let grids = image.detect_grids();
        assert_eq!(grids.len(), 1, "one QR code on screen");
        grids[0].decode().unwrap().1
    }

    const URI: &str = "otpauth://totp/AWS-123456789012:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=AWS-123456789012";

    #[test]
    fn terminal_drawing_decodes_to_the_uri_and_fits_a_terminal() {
        let aws_uri = format!(
            "otpauth://totp/AWS-123456789012:alice?secret={}&issuer=AWS-123456789012",
            "A".repeat(64)
        );
        let drawing = terminal(&aws_uri, true).unwrap();
        assert!(
            drawing.lines().count() <= 25,
            "{} lines",
            drawing.lines().count()
        );
        assert_eq!(decode_terminal(&drawing), aws_uri);
        let drawing = terminal(URI, true).unwrap();
        assert!(
            drawing
                .lines()
                .next()
                .unwrap()
                .chars()
                .all(|c| c == '█' || c == '▀' || c == '▄'),
            "the top of the quiet zone is light"
        );
        assert_eq!(decode_terminal(&drawing), URI);
    }

    #[test]
    fn the_ascii_drawing_decodes_and_is_twice_as_wide() {
        let aws_uri = format!(
            "otpauth://totp/AWS-123456789012:alice?secret={}&issuer=AWS-123456789012",
            "A".repeat(64)
        );
        let drawing = terminal(&aws_uri, false).unwrap();
        assert!(drawing.is_ascii());
        assert_eq!(
            width(&drawing),
            2 * width(&terminal(&aws_uri, true).unwrap())
        );
        assert_eq!(width(&drawing), 98);
        assert_eq!(decode_terminal(&drawing), aws_uri);
    }

    #[test]
    fn png_decodes_to_the_uri() {
        let bytes = png(URI).unwrap();
        let decoder = ::png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).unwrap();
        let width = info.width as usize;
        let mut image =
            rqrr::PreparedImage::prepare_from_greyscale(width, info.height as usize, |x, y| {
                pixels[y * width + x]
            });
        let grids = image.detect_grids();
        assert_eq!(grids[0].decode().unwrap().1, URI);
    }
}
