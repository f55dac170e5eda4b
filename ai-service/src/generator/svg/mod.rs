//! Drawing a portrait as SVG (512 × 512): bold shapes and thick outlines, so it reads at 64 px
//! and still looks finished at 512 px.
//!
//! Back to front: wings and tail ([`back`]), the body ([`body`]), what sits behind the head
//! ([`behind`]), the head and what sits on it ([`head`]), then the eyes ([`eyes`]) and the face
//! ([`face`]). Each part
//! matches on the body plan; the head may follow another plan (a centaur's is human).

mod back;
mod behind;
mod body;
mod eyes;
mod face;
mod head;

use super::features::{Features, Hsl, Pattern};
use std::fmt::{self, Display, Write};

/// Writes an SVG fragment; a `String` cannot fail to take it.
macro_rules! put {
    ($svg:expr, $($arg:tt)*) => {{
        let _ = write!($svg, $($arg)*);
    }};
}
pub(crate) use put;

const OUTLINE: f64 = 9.0;

/// The centre of the canvas, where the figure stands.
const MID: f64 = 256.0;

/// A point.
type P = (f64, f64);

/// An SVG path, built one command at a time, printed with whole-pixel coordinates.
struct Path(String);

impl Path {
    fn m(p: P) -> Self {
        Self(format!("M{:.0} {:.0}", p.0, p.1))
    }

    fn l(mut self, p: P) -> Self {
        put!(self.0, " L{:.0} {:.0}", p.0, p.1);
        self
    }

    fn q(mut self, c: P, p: P) -> Self {
        put!(self.0, " Q{:.0} {:.0} {:.0} {:.0}", c.0, c.1, p.0, p.1);
        self
    }

    fn c(mut self, c1: P, c2: P, p: P) -> Self {
        put!(
            self.0,
            " C{:.0} {:.0} {:.0} {:.0} {:.0} {:.0}",
            c1.0,
            c1.1,
            c2.0,
            c2.1,
            p.0,
            p.1
        );
        self
    }

    /// Moves without drawing, for a second stroke in the same path.
    fn m_to(mut self, p: P) -> Self {
        put!(self.0, " M{:.0} {:.0}", p.0, p.1);
        self
    }

    fn z(mut self) -> Self {
        self.0.push_str(" Z");
        self
    }
}

impl Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A filled, outlined path.
fn shape(svg: &mut String, d: &Path, fill: &str) {
    put!(svg, r#"<path d="{d}" fill="{fill}"/>"#);
}

/// A filled, outlined ellipse.
fn ellipse(svg: &mut String, c: P, rx: f64, ry: f64, fill: &str) {
    put!(
        svg,
        r#"<ellipse cx="{:.0}" cy="{:.0}" rx="{rx:.0}" ry="{ry:.0}" fill="{fill}"/>"#,
        c.0,
        c.1
    );
}

/// A thick outlined stroke along `d`: a limb, a tail, a coil.
fn tube(svg: &mut String, d: &Path, width: f64, colour: &str) {
    put!(
        svg,
        r#"<path d="{d}" fill="none" stroke-width="{:.0}"/><path d="{d}" fill="none" stroke="{colour}" stroke-width="{width:.0}"/>"#,
        width + 2.0 * OUTLINE
    );
}

/// The SVG document of a portrait.
pub fn draw(features: &Features) -> String {
    let mut f = features.clone();
    let ink = f.body.with_lightness(18.0).css();
    let mut svg = String::with_capacity(12 * 1024);
    put!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" width="512" height="512">"#
    );
    defs(&mut svg, &f);
    put!(
        svg,
        r#"<rect width="512" height="512" rx="96" fill="url(#bg)"/><g clip-path="url(#frame)">"#
    );
    put!(
        svg,
        r#"<ellipse cx="256" cy="478" rx="150" ry="22" fill="{}" opacity="0.35"/>"#,
        f.background.with_lightness(55.0).css()
    );
    put!(
        svg,
        r#"<g stroke="{ink}" stroke-width="{OUTLINE}" stroke-linejoin="round" stroke-linecap="round">"#
    );
    if f.wings {
        back::wings(&mut svg, &f);
    }
    if f.tail {
        back::tail(&mut svg, &f);
    }
    body::body(&mut svg, &mut f);
    head::head(&mut svg, &mut f);
    svg.push_str("</g></g></svg>");
    svg
}

fn defs(svg: &mut String, f: &Features) {
    put!(
        svg,
        r#"<defs><radialGradient id="bg" cx="50%" cy="40%" r="75%"><stop offset="0" stop-color="{}"/><stop offset="1" stop-color="{}"/></radialGradient><radialGradient id="skin" cx="40%" cy="30%" r="80%"><stop offset="0" stop-color="{}"/><stop offset="1" stop-color="{}"/></radialGradient><clipPath id="frame"><rect width="512" height="512" rx="96"/></clipPath></defs>"#,
        f.background.with_lightness(94.0).css(),
        f.background.with_lightness(78.0).css(),
        f.body.with_lightness(f.body.2 + 12.0).css(),
        f.body.with_lightness(f.body.2 - 8.0).css(),
    );
}

/// Markings on an elliptical torso, clipped to it.
fn pattern(svg: &mut String, f: &mut Features, c: P, rx: f64, ry: f64) {
    let mark = f.body.with_lightness(f.body.2 - 16.0).css();
    put!(
        svg,
        r#"<clipPath id="marks"><ellipse cx="{:.0}" cy="{:.0}" rx="{rx:.0}" ry="{ry:.0}"/></clipPath><g clip-path="url(#marks)" stroke-width="0" fill="{mark}">"#,
        c.0,
        c.1
    );
    let (left, top) = (c.0 - rx, c.1 - ry);
    match f.pattern {
        Pattern::Plain => {}
        Pattern::Spots => {
            for _ in 0..7 {
                let (x, y, r) = (
                    f.rng.range(left + 30.0, left + 2.0 * rx - 30.0),
                    f.rng.range(top + 20.0, top + 2.0 * ry - 20.0),
                    f.rng.range(10.0, 22.0),
                );
                put!(svg, r#"<circle cx="{x:.0}" cy="{y:.0}" r="{r:.0}"/>"#);
            }
        }
        Pattern::Stripes => {
            for i in 0..4 {
                let y = top + 26.0 + f64::from(i) * ry * 0.42;
                let d = Path::m((left, y))
                    .q((c.0, y + 26.0), (left + 2.0 * rx, y))
                    .l((left + 2.0 * rx, y + 40.0))
                    .q((c.0, y + 14.0), (left, y + 14.0))
                    .z();
                put!(svg, r#"<path d="{d}"/>"#);
            }
        }
        Pattern::Scales => {
            for row in 0..6 {
                for col in 0..8 {
                    let x = left + 14.0 + f64::from(col) * 36.0 + f64::from(row % 2) * 18.0;
                    let y = top + 18.0 + f64::from(row) * 34.0;
                    put!(
                        svg,
                        r#"<path d="M{:.0} {y:.0} a18 18 0 0 0 36 0" fill="none" stroke="{mark}" stroke-width="6"/>"#,
                        x - 18.0
                    );
                }
            }
        }
    }
    svg.push_str("</g>");
}

/// A colour from its parts, for the fixed ones (bone, bark, nose).
fn hsl(h: f64, s: f64, l: f64) -> String {
    Hsl(h, s, l).css()
}
