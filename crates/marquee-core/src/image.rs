//! Images the media store holds: where each prepared variant lives and how a page asks for it.

use crate::markdown::ResponsiveImage;

/// Widths, in pixels, that images are prepared in (those below the original's width, plus the
/// original's own width).
pub const VARIANT_WIDTHS: [u32; 4] = [320, 640, 960, 1600];

/// An image in the media store: content-addressed by the SHA-256 of its original bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredImage {
    pub sha256: String,
    /// The original's format as a file extension: `jpg`, `png` or `gif`'s stand-in `png`.
    pub extension: String,
    pub width: u32,
    pub height: u32,
    /// The prepared widths, ascending; each exists in `extension` and in WebP.
    pub widths: Vec<u32>,
}

impl StoredImage {
    /// The widths an image of `width` pixels is prepared in.
    pub fn widths_for(width: u32) -> Vec<u32> {
        let mut widths: Vec<u32> = VARIANT_WIDTHS.iter().copied().filter(|w| *w < width).collect();
        widths.push(width.min(*VARIANT_WIDTHS.last().expect("non-empty")));
        widths.dedup();
        widths
    }

    /// The public URL of one variant: `/media/<sha256>/<width>.<ext>`.
    pub fn url(&self, width: u32, extension: &str) -> String {
        format!("/media/{}/{}.{}", self.sha256, width, extension)
    }

    /// Height of the variant of this width, keeping the aspect ratio.
    pub fn height_at(&self, width: u32) -> u32 {
        ((u64::from(self.height) * u64::from(width) + u64::from(self.width) / 2) / u64::from(self.width.max(1))) as u32
    }

    fn srcset(&self, extension: &str) -> String {
        self.widths.iter().map(|w| format!("{} {}w", self.url(*w, extension), w)).collect::<Vec<_>>().join(", ")
    }

    /// The `src` fallback: the variant closest to `preferred` pixels wide.
    pub fn fallback_width(&self, preferred: u32) -> u32 {
        *self.widths.iter().find(|w| **w >= preferred).or(self.widths.last()).unwrap_or(&self.width)
    }

    pub fn responsive(&self, preferred_width: u32) -> ResponsiveImage {
        let fallback = self.fallback_width(preferred_width);
        ResponsiveImage {
            src: self.url(fallback, &self.extension),
            srcset: self.srcset(&self.extension),
            modern_srcset: Some(self.srcset("webp")),
            modern_type: "image/webp",
            width: fallback,
            height: self.height_at(fallback),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_never_upscale_and_include_the_original() {
        assert_eq!(StoredImage::widths_for(300), vec![300]);
        assert_eq!(StoredImage::widths_for(640), vec![320, 640]);
        assert_eq!(StoredImage::widths_for(1000), vec![320, 640, 960, 1000]);
        assert_eq!(StoredImage::widths_for(4000), vec![320, 640, 960, 1600]);
    }

    #[test]
    fn responsive_image_lists_both_formats_and_keeps_the_aspect_ratio() {
        let image = StoredImage {
            sha256: "ab".repeat(32),
            extension: "jpg".into(),
            width: 1000,
            height: 1500,
            widths: StoredImage::widths_for(1000),
        };
        let r = image.responsive(640);
        assert_eq!(r.width, 640);
        assert_eq!(r.height, 960);
        assert!(r.src.ends_with("/640.jpg"));
        assert!(r.srcset.contains("/320.jpg 320w"));
        assert!(r.modern_srcset.unwrap().contains("/1000.webp 1000w"));
    }
}
