//! What sits behind the head: ears, a mane or a ruff, crest feathers, fins, leaves, a collar.

use super::head::Head;
use super::{Path, ellipse, hsl, put, shape};
use crate::generator::features::Features;
use crate::generator::{BodyPlan, Hints};
use std::fmt::Write;

/// Ears, a mane or ruff, leaves, fins or a collar, drawn before the head.
pub(super) fn behind(svg: &mut String, f: &mut Features, plan: BodyPlan, h: Head) {
    let fur = f.body.css();
    let light = f.body.with_lightness(f.body.2 + 16.0).css();
    let accent = f.accent.css();
    match plan {
        BodyPlan::Feline | BodyPlan::Canine if f.hints.has(Hints::MANE) => mane(svg, f, h),
        _ => {}
    }
    match plan {
        BodyPlan::Feline => {
            for side in [-1.0, 1.0] {
                let ear = Path::m(h.at(side, 0.2, -0.55))
                    .l(h.at(side, 0.8, -1.22))
                    .l(h.at(side, 0.98, -0.3))
                    .z();
                shape(svg, &ear, &fur);
                let inner = Path::m(h.at(side, 0.42, -0.68))
                    .l(h.at(side, 0.76, -1.02))
                    .l(h.at(side, 0.84, -0.55))
                    .z();
                put!(
                    svg,
                    r#"<path d="{inner}" fill="{}" stroke-width="0"/>"#,
                    hsl(340.0, 70.0, 80.0)
                );
            }
        }
        BodyPlan::Canine => {
            // A jagged ruff of cheek fur, and tall upright ears.
            for side in [-1.0, 1.0] {
                let ruff = Path::m(h.at(side, 0.6, -0.3))
                    .l(h.at(side, 1.12, 0.0))
                    .l(h.at(side, 0.96, 0.18))
                    .l(h.at(side, 1.16, 0.42))
                    .l(h.at(side, 0.9, 0.56))
                    .l(h.at(side, 1.02, 0.82))
                    .l(h.at(side, 0.5, 0.8))
                    .z();
                shape(svg, &ruff, &light);
                let ear = Path::m(h.at(side, 0.18, -0.62))
                    .l(h.at(side, 0.62, -1.42))
                    .l(h.at(side, 0.86, -0.42))
                    .z();
                shape(svg, &ear, &fur);
                let inner = Path::m(h.at(side, 0.4, -0.7))
                    .l(h.at(side, 0.62, -1.2))
                    .l(h.at(side, 0.72, -0.6))
                    .z();
                put!(
                    svg,
                    r#"<path d="{inner}" fill="{}" stroke-width="0"/>"#,
                    f.body.with_lightness(f.body.2 - 18.0).css()
                );
            }
        }
        BodyPlan::Beast => {
            for side in [-1.0, 1.0] {
                let c = h.at(side, 0.7, -0.72);
                ellipse(svg, c, h.r * 0.3, h.r * 0.3, &fur);
                put!(
                    svg,
                    r#"<circle cx="{:.0}" cy="{:.0}" r="{:.0}" fill="{}" stroke-width="0"/>"#,
                    c.0,
                    c.1,
                    h.r * 0.16,
                    hsl(340.0, 50.0, 76.0)
                );
            }
        }
        BodyPlan::Equine => {
            // A mane down the right of the neck, and small pointed ears.
            let hair = f.accent.with_lightness(40.0).css();
            let mane = Path::m(h.at(1.0, -0.1, -1.0))
                .q(h.at(1.0, 1.1, -1.1), h.at(1.0, 1.0, 0.2))
                .q(h.at(1.0, 1.05, 0.9), h.at(1.0, 0.9, 1.35))
                .q(h.at(1.0, 0.6, 0.8), h.at(1.0, 0.6, 0.0))
                .z();
            shape(svg, &mane, &hair);
            for side in [-1.0, 1.0] {
                let ear = Path::m(h.at(side, 0.2, -0.8))
                    .q(h.at(side, 0.4, -1.35), h.at(side, 0.52, -1.38))
                    .q(h.at(side, 0.68, -0.98), h.at(side, 0.6, -0.66))
                    .z();
                shape(svg, &ear, &fur);
            }
        }
        BodyPlan::Avian => {
            for (i, dx) in [-34.0, 0.0, 34.0].iter().enumerate() {
                put!(
                    svg,
                    r#"<ellipse cx="{:.0}" cy="{:.0}" rx="16" ry="46" transform="rotate({:.0} {:.0} {:.0})" fill="{accent}"/>"#,
                    h.x + dx,
                    h.y - h.r - 12.0 + if i == 1 { -10.0 } else { 0.0 },
                    dx * 0.8,
                    h.x + dx,
                    h.y - h.r
                );
            }
        }
        BodyPlan::Aquatic => {
            for side in [-1.0, 1.0] {
                let fin = Path::m(h.at(side, 0.95, -0.34))
                    .l(h.at(side, 1.45, -0.08))
                    .l(h.at(side, 0.95, 0.25))
                    .z();
                shape(svg, &fin, &accent);
            }
        }
        BodyPlan::Fish => {
            // A tall dorsal fin, and gill fins at the sides.
            let fin = f.accent.with_lightness(62.0).css();
            let dorsal = Path::m(h.at(-1.0, 0.4, -0.7))
                .q(h.at(-1.0, 0.1, -1.4), h.at(1.0, 0.3, -1.62))
                .q(h.at(1.0, 0.1, -1.1), h.at(1.0, 0.4, -0.7))
                .z();
            shape(svg, &dorsal, &fin);
            for side in [-1.0, 1.0] {
                let gill = Path::m(h.at(side, 0.9, -0.2))
                    .q(h.at(side, 1.4, 0.0), h.at(side, 1.3, 0.4))
                    .q(h.at(side, 1.1, 0.25), h.at(side, 0.9, 0.3))
                    .z();
                shape(svg, &gill, &fin);
            }
        }
        BodyPlan::Serpent if f.hints.has(Hints::WATER) => {
            for side in [-1.0, 1.0] {
                let frill = Path::m(h.at(side, 0.8, -0.3))
                    .l(h.at(side, 1.35, -0.5))
                    .l(h.at(side, 1.15, -0.15))
                    .l(h.at(side, 1.4, 0.05))
                    .l(h.at(side, 0.85, 0.2))
                    .z();
                shape(svg, &frill, &accent);
            }
        }
        BodyPlan::Plant if !f.hints.has(Hints::FUNGUS) => leaves(svg, f, h),
        BodyPlan::Undead if f.hints.has(Hints::CAPE) => {
            let collar = f.accent.with_lightness(30.0).css();
            for side in [-1.0, 1.0] {
                let d = Path::m(h.at(side, 0.2, 0.7))
                    .l(h.at(side, 1.25, -0.4))
                    .l(h.at(side, 1.1, 0.4))
                    .l(h.at(side, 1.4, 0.85))
                    .l(h.at(side, 0.7, 1.05))
                    .z();
                shape(svg, &d, &collar);
            }
        }
        BodyPlan::Humanoid if !f.hints.has(Hints::BEARD) => {
            for side in [-1.0, 1.0] {
                let ear = Path::m(h.at(side, 0.85, -0.05))
                    .l(h.at(side, 1.32, -0.42))
                    .l(h.at(side, 0.88, 0.3))
                    .z();
                shape(svg, &ear, &fur);
            }
        }
        _ => {}
    }
}

/// A lion's mane: a spiky ring around the head.
fn mane(svg: &mut String, f: &Features, h: Head) {
    let hair = f.accent.with_lightness(38.0).css();
    let spikes = 14;
    let mut d = Path::m(h.at(1.0, 1.3, 0.0));
    for i in 0..spikes {
        let a1 = std::f64::consts::TAU * (f64::from(i) + 0.5) / f64::from(spikes);
        let a2 = std::f64::consts::TAU * (f64::from(i) + 1.0) / f64::from(spikes);
        d = d
            .l((h.x + h.r * 1.1 * a1.cos(), h.y + h.r * 1.05 * a1.sin()))
            .l((h.x + h.r * 1.4 * a2.cos(), h.y + h.r * 1.3 * a2.sin()));
    }
    shape(svg, &d.z(), &hair);
}

/// A crown of leaves around the top of the head.
fn leaves(svg: &mut String, f: &Features, h: Head) {
    let leaf = f.body.css();
    let dark = f.body.with_lightness(f.body.2 - 14.0).css();
    for i in 0..7 {
        let angle = -160.0 + f64::from(i) * 23.3;
        let rad = angle.to_radians();
        let (x, y) = (h.x + h.r * 1.02 * rad.cos(), h.y + h.r * 0.95 * rad.sin());
        let fill = if i % 2 == 0 { &leaf } else { &dark };
        put!(
            svg,
            r#"<ellipse cx="{x:.0}" cy="{y:.0}" rx="{:.0}" ry="{:.0}" transform="rotate({:.0} {x:.0} {y:.0})" fill="{fill}"/>"#,
            h.r * 0.48,
            h.r * 0.26,
            angle
        );
    }
}
