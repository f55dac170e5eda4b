//! The head: horns, its outline, and what sits on top (a mushroom cap, hair, a crown, a
//! forelock); then the eyes and the face.

use super::body::bark;
use super::{P, Path, behind, ellipse, eyes, face, hsl, put, shape};
use crate::generator::features::Features;
use crate::generator::{BodyPlan, Hints};
use std::fmt::Write;

/// Where the head is: its centre and its radius.
#[derive(Clone, Copy)]
pub(super) struct Head {
    /// Horizontal centre.
    pub x: f64,
    /// Vertical centre.
    pub y: f64,
    /// Radius (half the width).
    pub r: f64,
}

impl Head {
    /// A point given in head radii from the centre, mirrored by `side` (-1 left, 1 right).
    pub fn at(self, side: f64, dx: f64, dy: f64) -> P {
        (self.x + side * dx * self.r, self.y + dy * self.r)
    }
}

/// The head of a creature, with its face.
pub(super) fn head(svg: &mut String, f: &mut Features) {
    let plan = f.head_plan();
    let scale = match plan {
        BodyPlan::Insect => 0.9,
        BodyPlan::Serpent => 0.95,
        BodyPlan::Humanoid if f.plan != BodyPlan::Humanoid => 0.85,
        _ => 1.0,
    };
    let h = Head {
        x: 256.0,
        y: 222.0,
        r: 118.0 * f.head_scale * scale,
    };
    behind::behind(svg, f, plan, h);
    if f.horns {
        horns(svg, f, plan, h);
    }
    outline(svg, f, plan, h);
    on_top(svg, f, plan, h);
    eyes::eyes(svg, f, plan, h);
    face::face(svg, f, plan, h);
}

/// Horns by plan: a unicorn's single spiral, a plant's twigs, a lich's crown, else a pair.
fn horns(svg: &mut String, f: &Features, plan: BodyPlan, h: Head) {
    let bone = f.accent.with_lightness(82.0).css();
    match plan {
        BodyPlan::Equine => {
            let gold = hsl(48.0, 90.0, 72.0);
            let d = Path::m(h.at(-1.0, 0.16, -0.78))
                .l((h.x, h.y - h.r * 1.75))
                .l(h.at(1.0, 0.16, -0.78))
                .z();
            shape(svg, &d, &gold);
            for t in [0.25, 0.5, 0.72] {
                let y = h.y - h.r * (0.8 + 0.95 * t);
                let half = h.r * 0.16 * (1.0 - t);
                let d = Path::m((h.x - half, y + 6.0)).l((h.x + half, y - 6.0));
                put!(svg, r#"<path d="{d}" fill="none" stroke-width="5"/>"#);
            }
        }
        BodyPlan::Plant => {
            let wood = bark(f);
            for side in [-1.0, 1.0] {
                let d = Path::m(h.at(side, 0.4, -0.7))
                    .l(h.at(side, 0.7, -1.35))
                    .m_to(h.at(side, 0.58, -1.08))
                    .l(h.at(side, 0.98, -1.25));
                super::tube(svg, &d, 12.0, &wood);
            }
        }
        // An undead's horns are a crown, drawn over the skull.
        BodyPlan::Undead => {}
        _ => {
            for side in [-1.0, 1.0] {
                // From the inner base, up and out to the tip, back down to the outer base.
                let d = Path::m(h.at(side, 0.26, -0.78))
                    .q(h.at(side, 0.48, -1.3), h.at(side, 0.94, -1.42))
                    .q(h.at(side, 0.7, -1.02), h.at(side, 0.64, -0.68))
                    .z();
                shape(svg, &d, &bone);
            }
        }
    }
}

fn outline(svg: &mut String, f: &Features, plan: BodyPlan, h: Head) {
    match plan {
        BodyPlan::Construct => {
            put!(
                svg,
                r#"<rect x="{:.0}" y="{:.0}" width="{:.0}" height="{:.0}" rx="40" fill="url(#skin)"/>"#,
                h.x - h.r,
                h.y - h.r * 0.9,
                2.0 * h.r,
                1.8 * h.r
            );
        }
        BodyPlan::Blob => {}
        BodyPlan::Equine => {
            // A long face, widest at the eyes, with a broad muzzle.
            let d = Path::m((h.x, h.y - h.r * 0.95))
                .c(
                    h.at(1.0, 0.9, -0.95),
                    h.at(1.0, 0.9, 0.0),
                    h.at(1.0, 0.62, 0.5),
                )
                .q(h.at(1.0, 0.7, 1.1), (h.x, h.y + h.r * 1.1))
                .q(h.at(-1.0, 0.7, 1.1), h.at(-1.0, 0.62, 0.5))
                .c(
                    h.at(-1.0, 0.9, 0.0),
                    h.at(-1.0, 0.9, -0.95),
                    (h.x, h.y - h.r * 0.95),
                )
                .z();
            shape(svg, &d, "url(#skin)");
        }
        BodyPlan::Serpent => {
            ellipse(svg, (h.x, h.y + h.r * 0.1), h.r, h.r * 0.74, "url(#skin)");
        }
        BodyPlan::Undead if !f.hints.has(Hints::CAPE) => {
            // A skull: round cranium over a narrower jaw.
            let bone = face::bone(f);
            let d = Path::m(h.at(-1.0, 0.55, 0.55))
                .c(
                    h.at(-1.0, 1.2, 0.2),
                    h.at(-1.0, 1.0, -0.95),
                    (h.x, h.y - h.r * 0.95),
                )
                .c(
                    h.at(1.0, 1.0, -0.95),
                    h.at(1.0, 1.2, 0.2),
                    h.at(1.0, 0.55, 0.55),
                )
                .l(h.at(1.0, 0.5, 0.88))
                .q((h.x, h.y + h.r * 1.0), h.at(-1.0, 0.5, 0.88))
                .z();
            shape(svg, &d, &bone);
        }
        BodyPlan::Undead => {
            ellipse(svg, (h.x, h.y), h.r * 0.92, h.r * 0.96, &face::bone(f));
        }
        BodyPlan::Plant if !f.hints.has(Hints::FUNGUS) => {
            ellipse(svg, (h.x, h.y), h.r, h.r * 0.92, &bark(f));
        }
        BodyPlan::Plant => {
            ellipse(
                svg,
                (h.x, h.y + h.r * 0.1),
                h.r * 0.86,
                h.r * 0.8,
                &hsl(40.0, 40.0, 86.0),
            );
        }
        _ => ellipse(svg, (h.x, h.y), h.r, h.r * 0.92, "url(#skin)"),
    }
}

fn on_top(svg: &mut String, f: &mut Features, plan: BodyPlan, h: Head) {
    match plan {
        BodyPlan::Plant if f.hints.has(Hints::FUNGUS) => {
            // A mushroom cap with pale spots.
            let cap = Path::m(h.at(-1.0, 1.3, -0.05))
                .c(
                    h.at(-1.0, 1.3, -1.5),
                    h.at(1.0, 1.3, -1.5),
                    h.at(1.0, 1.3, -0.05),
                )
                .q((h.x, h.y - h.r * 0.3), h.at(-1.0, 1.3, -0.05))
                .z();
            shape(svg, &cap, "url(#skin)");
            for (dx, dy, r) in [
                (-0.7, -0.45, 0.14),
                (0.0, -0.85, 0.18),
                (0.62, -0.5, 0.12),
                (-0.3, -0.6, 0.08),
            ] {
                put!(
                    svg,
                    r#"<circle cx="{:.0}" cy="{:.0}" r="{:.0}" fill="white" stroke-width="0"/>"#,
                    h.x + dx * h.r,
                    h.y + dy * h.r,
                    r * h.r
                );
            }
        }
        BodyPlan::Humanoid if !f.hints.has(Hints::HORNS) || f.rng.chance(0.5) => hair(svg, f, h),
        BodyPlan::Equine => {
            let hair = f.accent.with_lightness(40.0).css();
            let lock = Path::m(h.at(-1.0, 0.3, -0.9))
                .q(h.at(-1.0, 0.1, -1.1), h.at(1.0, 0.3, -0.9))
                .q(h.at(1.0, 0.1, -0.6), h.at(-1.0, 0.05, -0.45))
                .q(h.at(-1.0, 0.25, -0.6), h.at(-1.0, 0.3, -0.9))
                .z();
            shape(svg, &lock, &hair);
        }
        BodyPlan::Undead if f.horns => {
            // A lich's crown.
            let gold = hsl(46.0, 85.0, 58.0);
            let mut d = Path::m(h.at(-1.0, 0.55, -0.7));
            for i in 0..5 {
                let x = -0.55 + 1.1 * (f64::from(i) + 0.5) / 5.0;
                d = d
                    .l((h.x + x * h.r, h.y - h.r * 1.3))
                    .l((h.x + (x + 0.11) * h.r, h.y - h.r * 0.95));
            }
            let d = d
                .l(h.at(1.0, 0.55, -0.7))
                .q((h.x, h.y - h.r * 0.55), h.at(-1.0, 0.55, -0.7))
                .z();
            shape(svg, &d, &gold);
            ellipse(svg, (h.x, h.y - h.r * 0.85), 9.0, 11.0, &f.accent.css());
        }
        BodyPlan::Undead if f.hints.has(Hints::CAPE) => {
            // Slicked hair with a widow's peak.
            let hair = hsl(0.0, 0.0, 14.0);
            let d = Path::m(h.at(-1.0, 0.9, -0.1))
                .c(
                    h.at(-1.0, 1.0, -1.2),
                    h.at(1.0, 1.0, -1.2),
                    h.at(1.0, 0.9, -0.1),
                )
                .q(h.at(1.0, 0.5, -0.7), (h.x, h.y - h.r * 0.35))
                .q(h.at(-1.0, 0.5, -0.7), h.at(-1.0, 0.9, -0.1))
                .z();
            shape(svg, &d, &hair);
        }
        _ => {}
    }
}

/// A humanoid's hair: a cap with a scalloped fringe.
fn hair(svg: &mut String, f: &Features, h: Head) {
    let colour = f.accent.with_lightness(30.0).css();
    let mut d = Path::m(h.at(-1.0, 0.98, -0.05)).c(
        h.at(-1.0, 1.05, -1.25),
        h.at(1.0, 1.05, -1.25),
        h.at(1.0, 0.98, -0.05),
    );
    for i in 0..4 {
        let x0 = 0.98 - f64::from(i) * 0.49;
        d = d.q(
            (h.x + (x0 - 0.2) * h.r, h.y - h.r * 0.2),
            (h.x + (x0 - 0.49) * h.r, h.y - h.r * 0.55),
        );
    }
    shape(svg, &d.z(), &colour);
}
