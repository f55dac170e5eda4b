//! SVG to PNG, for clients that need a bitmap.

use resvg::{tiny_skia, usvg};

/// Why a portrait could not be rasterised.
#[derive(Debug, thiserror::Error)]
#[error("cannot rasterise the portrait: {0}")]
pub struct RasterError(String);

/// Renders `svg` as a `size` × `size` PNG.
pub fn png(svg: &str, size: u32) -> Result<Vec<u8>, RasterError> {
    let tree = usvg::Tree::from_str(svg, &usvg::Options::default())
        .map_err(|error| RasterError(error.to_string()))?;
    let mut pixmap = tiny_skia::Pixmap::new(size, size)
        .ok_or_else(|| RasterError(format!("bad size {size}")))?;
    let scale = size as f32 / tree.size().width();
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|error| RasterError(error.to_string()))
}
