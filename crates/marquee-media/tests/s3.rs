//! The media store on S3-compatible object storage (a local moto server).

use marquee_media::testing::S3Server;
use marquee_media::{MediaError, MediaStore};

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 40]));
    let mut out = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png).unwrap();
    out
}

#[tokio::test]
async fn images_stored_through_one_server_are_read_by_another() {
    let Some(s3) = S3Server::start().await else { return };
    let (one, other) = (MediaStore::s3(&s3.config).unwrap(), MediaStore::s3(&s3.config).unwrap());
    assert!(one.describe().starts_with("s3://marquee-test-"));
    let stored = one.ingest(&png(700, 400)).await.unwrap().image;
    assert_eq!(stored.widths, vec![320, 640, 700]);
    for w in &stored.widths {
        let (bytes, content_type) = other.read(&stored.sha256, &format!("{w}.webp")).await.unwrap().unwrap();
        assert_eq!(content_type, "image/webp");
        assert_eq!(image::load_from_memory(&bytes).unwrap().width(), *w);
    }
    assert!(other.read(&stored.sha256, "9999.png").await.unwrap().is_none());
    assert_eq!(other.keys().await.unwrap().len(), 7);
    // Stored once: the same bytes again find the completion marker and write nothing new.
    assert_eq!(other.ingest(&png(700, 400)).await.unwrap().image, stored);
    assert!(matches!(other.ingest(b"<svg onload=alert(1)>").await, Err(MediaError::Svg)));
}
