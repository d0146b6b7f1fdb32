//! Share cards: the 1200×630 picture a review shows when its link is posted to a social network
//! or a chat (OpenGraph and Twitter cards), drawn from what it shows: the poster, the film's
//! title and year, the score and its verdict, and the site's name, on the site's accent colour.
//! Text is set in DejaVu (free licence, in `fonts/`). Which card a review has, and where drawn
//! cards are kept, is the web layer's business (`marquee_web::share`).

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use image::codecs::png::{CompressionType, FilterType as PngFilter, PngEncoder};
use image::imageops::{self, FilterType};
use image::{ImageEncoder, Rgb, RgbImage};
use std::sync::OnceLock;

pub const WIDTH: u32 = 1200;
pub const HEIGHT: u32 = 630;

const MARGIN: u32 = 60;
const BACKGROUND: [u8; 3] = [0x17, 0x14, 0x12];
const INK: [u8; 3] = [0xf5, 0xf1, 0xea];
const MUTED: [u8; 3] = [0xb8, 0xb0, 0xa5];

/// DejaVu (free licence, in `fonts/`): a serif bold for the title, a sans for the rest.
fn fonts() -> &'static (FontRef<'static>, FontRef<'static>) {
    static FONTS: OnceLock<(FontRef<'static>, FontRef<'static>)> = OnceLock::new();
    FONTS.get_or_init(|| {
        let title = FontRef::try_from_slice(include_bytes!("../fonts/DejaVuSerif-Bold.ttf")).expect("bundled font");
        let text = FontRef::try_from_slice(include_bytes!("../fonts/DejaVuSans.ttf")).expect("bundled font");
        (title, text)
    })
}

/// What a share image shows.
pub struct Card<'a> {
    pub site_title: &'a str,
    pub film_title: &'a str,
    pub year: Option<i32>,
    /// "8.5", shown as "8.5/10".
    pub score: Option<&'a str>,
    pub verdict: Option<&'a str>,
    /// The site's accent colour as `#rrggbb`; anything else falls back to Marquee's red.
    pub accent: &'a str,
    pub poster: Option<image::DynamicImage>,
}

/// The drawing's version: part of each image's tag, so a change to how cards are drawn makes
/// every holder fetch them again.
pub const DRAWING: u32 = 3;

/// The card as PNG bytes.
pub fn render(card: &Card) -> Vec<u8> {
    let (title_font, text_font) = fonts();
    let mut canvas = RgbImage::from_raw(WIDTH, HEIGHT, BACKGROUND.repeat((WIDTH * HEIGHT) as usize))
        .expect("a buffer of the canvas's size");
    let accent = parse_hex(card.accent).unwrap_or([0xb3, 0x26, 0x1e]);
    fill(&mut canvas, 0, HEIGHT - 12, WIDTH, 12, accent);

    let mut text_left = MARGIN;
    if let Some(poster) = &card.poster {
        let height = HEIGHT - 2 * MARGIN - 12;
        let width = (poster.width() * height / poster.height().max(1)).clamp(1, 420);
        let poster = imageops::resize(&poster.to_rgb8(), width, height, FilterType::Triangle);
        imageops::overlay(&mut canvas, &poster, i64::from(MARGIN), i64::from(MARGIN));
        text_left = MARGIN + width + 56;
    }
    let text_width = WIDTH - MARGIN - text_left;

    draw_line(&mut canvas, text_font, 30.0, text_left, MARGIN + 30, card.site_title, MUTED, text_width);

    // The title at the largest size that fits in three lines and leaves room for the year
    // above the score.
    let room = if card.score.is_some() { 270.0 } else { 400.0 };
    let (size, lines) = [76.0, 64.0, 54.0, 46.0, 40.0]
        .iter()
        .map(|size| (*size, wrap(title_font, *size, card.film_title, text_width)))
        .find(|(size, lines)| lines.len() <= 3 && size * (1.0 + 1.15 * (lines.len() as f32 - 1.0)) + 60.0 <= room)
        .unwrap_or_else(|| (40.0, wrap(title_font, 40.0, card.film_title, text_width).into_iter().take(3).collect()));
    let mut baseline = MARGIN + 70 + size as u32;
    for line in &lines {
        draw_line(&mut canvas, title_font, size, text_left, baseline, line, INK, text_width);
        baseline += (size * 1.15) as u32;
    }
    if let Some(year) = card.year {
        draw_line(&mut canvas, text_font, 40.0, text_left, baseline + 14, &year.to_string(), MUTED, text_width);
    }

    if let Some(score) = card.score {
        let bottom = HEIGHT - MARGIN - 12;
        let end = draw_line(&mut canvas, title_font, 96.0, text_left, bottom, score, accent, text_width);
        let end = draw_line(&mut canvas, text_font, 44.0, end + 8, bottom, "/10", MUTED, text_width);
        if let Some(verdict) = card.verdict {
            let room = (text_left + text_width).saturating_sub(end + 32);
            draw_line(&mut canvas, text_font, 40.0, end + 32, bottom, verdict, INK, room);
        }
    }

    // Fast compression: a share image is drawn once per change, and its size matters less.
    let mut png = Vec::new();
    PngEncoder::new_with_quality(&mut png, CompressionType::Fast, PngFilter::Sub)
        .write_image(canvas.as_raw(), WIDTH, HEIGHT, image::ExtendedColorType::Rgb8)
        .expect("encoding an in-memory PNG cannot fail");
    png
}

fn parse_hex(colour: &str) -> Option<[u8; 3]> {
    let hex = colour.strip_prefix('#').filter(|h| h.len() == 6)?;
    let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([channel(0)?, channel(2)?, channel(4)?])
}

fn fill(canvas: &mut RgbImage, x: u32, y: u32, width: u32, height: u32, colour: [u8; 3]) {
    for py in y..(y + height).min(canvas.height()) {
        for px in x..(x + width).min(canvas.width()) {
            canvas.put_pixel(px, py, Rgb(colour));
        }
    }
}

fn advance(font: &FontRef, size: f32, text: &str) -> f32 {
    let scaled = font.as_scaled(PxScale::from(size));
    let mut width = 0.0;
    let mut previous = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(previous) = previous {
            width += scaled.kern(previous, id);
        }
        width += scaled.h_advance(id);
        previous = Some(id);
    }
    width
}

/// Splits `text` into lines no wider than `width` pixels, at spaces; a word wider than a line
/// gets a line of its own (and is cut when drawn).
fn wrap(font: &FontRef, size: f32, text: &str, width: u32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(line) if advance(font, size, &format!("{line} {word}")) <= width as f32 => {
                line.push(' ');
                line.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// A glyph's coverage (in 256ths) over its box, placed from the pen on the baseline.
struct Raster {
    left: i64,
    top: i64,
    width: usize,
    coverage: Vec<u16>,
}

/// Glyphs rasterized so far, by font, size, glyph and quarter-pixel offset.
type Rasters = std::collections::HashMap<(usize, u32, u16, u8), std::sync::Arc<Raster>>;

/// The glyph `id` of `font` at `size`, a `quarter` of a pixel right of a whole pixel: rasterized
/// the first time it is asked for, then kept (share images draw the same few hundred glyphs).
fn rasterized(font: &FontRef, size: f32, id: ab_glyph::GlyphId, quarter: u8) -> std::sync::Arc<Raster> {
    static RASTERS: OnceLock<std::sync::Mutex<Rasters>> = OnceLock::new();
    let rasters = RASTERS.get_or_init(Default::default);
    // The two bundled fonts live as long as the process: their addresses name them.
    let key = (font as *const FontRef as usize, size.to_bits(), id.0, quarter);
    if let Some(raster) = rasters.lock().expect("the glyph lock is never poisoned").get(&key) {
        return raster.clone();
    }
    let glyph = id.with_scale_and_position(PxScale::from(size), ab_glyph::point(f32::from(quarter) / 4.0, 0.0));
    let raster = match font.outline_glyph(glyph) {
        Some(outline) => {
            let bounds = outline.px_bounds();
            let width = bounds.width() as usize;
            let mut coverage = vec![0u16; width * bounds.height() as usize];
            outline.draw(|x, y, c| {
                if let Some(cell) = coverage.get_mut(y as usize * width + x as usize) {
                    *cell = (c.clamp(0.0, 1.0) * 256.0) as u16;
                }
            });
            Raster { left: bounds.min.x as i64, top: bounds.min.y as i64, width: width.max(1), coverage }
        }
        None => Raster { left: 0, top: 0, width: 1, coverage: Vec::new() },
    };
    let raster = std::sync::Arc::new(raster);
    let mut rasters = rasters.lock().expect("the glyph lock is never poisoned");
    // Titles in many scripts could make it grow without end: start over past a bound.
    if rasters.len() > 20_000 {
        rasters.clear();
    }
    rasters.insert(key, raster.clone());
    raster
}

/// Draws one line with its baseline at `baseline`, cut with an ellipsis when wider than
/// `max_width`; returns the x where it ends.
#[allow(clippy::too_many_arguments)]
fn draw_line(
    canvas: &mut RgbImage,
    font: &FontRef,
    size: f32,
    left: u32,
    baseline: u32,
    text: &str,
    colour: [u8; 3],
    max_width: u32,
) -> u32 {
    let mut text = text.to_string();
    if advance(font, size, &text) > max_width as f32 {
        while !text.is_empty() && advance(font, size, &format!("{text}…")) > max_width as f32 {
            text.pop();
        }
        text = format!("{}…", text.trim_end());
    }
    let scale = PxScale::from(size);
    let scaled = font.as_scaled(scale);
    let mut x = left as f32;
    let mut previous = None;
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(previous) = previous {
            x += scaled.kern(previous, id);
        }
        // Glyphs sit on quarter pixels: each shape at each quarter is rasterized once.
        let pen = (x * 4.0).round() / 4.0;
        let quarter = ((pen - pen.floor()) * 4.0) as u8;
        let (pen_x, pen_y) = (pen.floor() as i64, i64::from(baseline));
        x += scaled.h_advance(id);
        previous = Some(id);
        let glyph = rasterized(font, size, id, quarter);
        let (width, height) = (i64::from(canvas.width()), i64::from(canvas.height()));
        let pixels: &mut [u8] = canvas;
        for (i, &alpha) in glyph.coverage.iter().enumerate() {
            let px = pen_x + glyph.left + (i % glyph.width) as i64;
            let py = pen_y + glyph.top + (i / glyph.width) as i64;
            if alpha == 0 || px < 0 || py < 0 || px >= width || py >= height {
                continue;
            }
            // Blended in whole numbers: coverage in 256ths.
            let alpha = u32::from(alpha);
            let at = ((py * width + px) * 3) as usize;
            for (channel, ink) in pixels[at..at + 3].iter_mut().zip(colour) {
                *channel = ((u32::from(*channel) * (256 - alpha) + u32::from(ink) * alpha + 128) >> 8) as u8;
            }
        }
    }
    x.ceil() as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(title: &str) -> Card<'_> {
        Card {
            site_title: "Marquee",
            film_title: title,
            year: Some(1990),
            score: Some("8.5"),
            verdict: Some("Excellent"),
            accent: "#b3261e",
            poster: None,
        }
    }

    fn decoded(png: &[u8]) -> RgbImage {
        image::load_from_memory(png).unwrap().to_rgb8()
    }

    #[test]
    fn a_card_is_1200_by_630_with_the_title_drawn() {
        let image = decoded(&render(&card("Night Train")));
        assert_eq!(image.dimensions(), (WIDTH, HEIGHT));
        let inked = image.pixels().filter(|p| p.0[0] > 200 && p.0[1] > 200).count();
        assert!(inked > 2_000, "title and verdict pixels: {inked}");
        assert_eq!(image.get_pixel(5, HEIGHT - 5).0[..3], [0xb3, 0x26, 0x1e], "the accent bar");
    }

    #[test]
    fn long_titles_wrap_and_never_leave_the_card() {
        let words = "The Extraordinarily Long and Winding Title of a Film Nobody Could Fit on One Line Ever";
        let lines = wrap(&fonts().0, 40.0, words, 700);
        assert!(lines.len() > 1 && lines.iter().all(|l| advance(&fonts().0, 40.0, l) <= 700.0 || !l.contains(' ')));
        let image = decoded(&render(&card(words)));
        // The right margin stays background: nothing is drawn past it.
        for y in 0..HEIGHT - 12 {
            for x in WIDTH - MARGIN + 2..WIDTH {
                assert_eq!(image.get_pixel(x, y).0[..3], BACKGROUND, "({x}, {y})");
            }
        }
    }

    #[test]
    fn a_poster_sits_on_the_left() {
        let poster = image::DynamicImage::ImageRgb8(image::RgbImage::from_pixel(400, 600, image::Rgb([10, 200, 30])));
        let image = decoded(&render(&Card { poster: Some(poster), ..card("Night Train") }));
        assert_eq!(image.get_pixel(MARGIN + 50, HEIGHT / 2).0[..3], [10, 200, 30]);
        assert_eq!(parse_hex("#zzzzzz"), None);
    }
}
