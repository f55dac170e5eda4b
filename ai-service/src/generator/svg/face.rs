//! Eyes and face by plan: a beak, a snout, a long muzzle and a lolling tongue, whiskers, a
//! horse's nostrils, a forked tongue, mandibles, a skull's teeth, a beard and tusks.

use super::head::Head;
use super::{Path, ellipse, hsl, put, shape};
use crate::generator::features::Features;
use crate::generator::{BodyPlan, Hints};
use std::fmt::Write;

/// The colour of bone (and of a vampire's skin): pale, faintly the creature's hue.
pub(super) fn bone(f: &Features) -> String {
    hsl(f.body.0, 18.0, 88.0)
}

pub(super) fn skull(f: &Features, plan: BodyPlan) -> bool {
    plan == BodyPlan::Undead && !f.hints.has(Hints::CAPE)
}

/// Nose, mouth and what goes with them, then blush.
pub(super) fn face(svg: &mut String, f: &mut Features, plan: BodyPlan, h: Head) {
    let (cx, r) = (h.x, h.r);
    let my = h.y + r * 0.5;
    let dark = hsl(0.0, 0.0, 12.0);
    let tongue = hsl(350.0, 70.0, 62.0);
    let light = f.body.with_lightness(84.0).css();
    match plan {
        BodyPlan::Avian => {
            let d = Path::m((cx - 30.0, my - 22.0))
                .l((cx + 30.0, my - 22.0))
                .l((cx, my + 30.0))
                .z();
            shape(svg, &d, &hsl(40.0, 90.0, 58.0));
        }
        BodyPlan::Reptile => {
            ellipse(
                svg,
                (cx, my - 4.0),
                r * 0.5,
                r * 0.28,
                &f.body.with_lightness(f.body.2 + 10.0).css(),
            );
            for side in [-1.0, 1.0] {
                put!(
                    svg,
                    r#"<ellipse cx="{:.0}" cy="{:.0}" rx="6" ry="4" fill="{}" stroke-width="0"/>"#,
                    cx + side * 18.0,
                    my - 14.0,
                    f.body.with_lightness(20.0).css()
                );
                fang(svg, cx + side * 26.0, my + 10.0, 16.0);
            }
            smile(svg, cx, my + 8.0, 40.0, 12.0);
        }
        BodyPlan::Beast => {
            ellipse(svg, (cx, my), r * 0.36, r * 0.24, &light);
            let d = Path::m((cx - 14.0, my - 16.0))
                .l((cx + 14.0, my - 16.0))
                .l((cx, my - 2.0))
                .z();
            put!(svg, r#"<path d="{d}" fill="{dark}" stroke-width="5"/>"#);
            cat_mouth(svg, cx, my + 6.0, 12.0);
            if f.hints.has(Hints::TUSKS) {
                tusks(svg, cx, my + 10.0, r * 0.3);
            }
        }
        BodyPlan::Canine => {
            // A pale blaze down to a long muzzle, a big nose, and maybe a tongue out.
            let blaze = Path::m((cx - r * 0.12, h.y - r * 0.35))
                .l((cx + r * 0.12, h.y - r * 0.35))
                .l((cx + r * 0.2, my))
                .l((cx - r * 0.2, my))
                .z();
            put!(
                svg,
                r#"<path d="{blaze}" fill="{light}" stroke-width="0"/>"#
            );
            ellipse(svg, (cx, my + r * 0.08), r * 0.42, r * 0.32, &light);
            if f.rng.chance(0.6) {
                let d = Path::m((cx - 16.0, my + r * 0.22))
                    .l((cx - 16.0, my + r * 0.52))
                    .q((cx, my + r * 0.66), (cx + 16.0, my + r * 0.52))
                    .l((cx + 16.0, my + r * 0.22))
                    .z();
                shape(svg, &d, &tongue);
            }
            let nose = Path::m((cx - 24.0, my - 12.0))
                .q((cx, my - 22.0), (cx + 24.0, my - 12.0))
                .q((cx + 20.0, my + 6.0), (cx, my + 10.0))
                .q((cx - 20.0, my + 6.0), (cx - 24.0, my - 12.0))
                .z();
            put!(svg, r#"<path d="{nose}" fill="{dark}" stroke-width="5"/>"#);
            let mouth = Path::m((cx, my + 10.0))
                .l((cx, my + r * 0.22))
                .m_to((cx - r * 0.26, my + r * 0.16))
                .q((cx - r * 0.12, my + r * 0.3), (cx, my + r * 0.22))
                .q(
                    (cx + r * 0.12, my + r * 0.3),
                    (cx + r * 0.26, my + r * 0.16),
                );
            put!(svg, r#"<path d="{mouth}" fill="none" stroke-width="5"/>"#);
        }
        BodyPlan::Feline => {
            // Whisker pads, a small pink nose, whiskers.
            for side in [-1.0, 1.0] {
                ellipse(
                    svg,
                    (cx + side * r * 0.14, my + 4.0),
                    r * 0.17,
                    r * 0.13,
                    &light,
                );
            }
            let d = Path::m((cx - 10.0, my - 14.0))
                .l((cx + 10.0, my - 14.0))
                .l((cx, my - 3.0))
                .z();
            put!(
                svg,
                r#"<path d="{d}" fill="{}" stroke-width="4"/>"#,
                hsl(345.0, 70.0, 70.0)
            );
            cat_mouth(svg, cx, my + 8.0, 10.0);
            for side in [-1.0, 1.0] {
                for tilt in [-0.12, 0.0, 0.12] {
                    let d = Path::m((cx + side * r * 0.3, my + tilt * r * 0.5))
                        .l((cx + side * r * 1.05, my + tilt * r * 1.6 - r * 0.05));
                    put!(svg, r#"<path d="{d}" fill="none" stroke-width="4"/>"#);
                }
            }
        }
        BodyPlan::Equine => {
            let muzzle = (cx, h.y + r * 0.62);
            ellipse(svg, muzzle, r * 0.6, r * 0.4, &light);
            for side in [-1.0, 1.0] {
                ellipse(
                    svg,
                    (cx + side * r * 0.26, muzzle.1 - r * 0.06),
                    r * 0.08,
                    r * 0.12,
                    &dark,
                );
            }
            smile(svg, cx, muzzle.1 + r * 0.2, r * 0.22, 6.0);
        }
        BodyPlan::Serpent => {
            let d = Path::m((cx - 5.0, my - 2.0))
                .l((cx - 5.0, my + 40.0))
                .l((cx - 16.0, my + 58.0))
                .l((cx, my + 46.0))
                .l((cx + 16.0, my + 58.0))
                .l((cx + 5.0, my + 40.0))
                .l((cx + 5.0, my - 2.0))
                .z();
            put!(svg, r#"<path d="{d}" fill="{tongue}" stroke-width="4"/>"#);
            for side in [-1.0, 1.0] {
                ellipse(svg, (cx + side * 16.0, my - 22.0), 5.0, 4.0, &dark);
            }
            smile(svg, cx, my - 4.0, r * 0.55, 14.0);
        }
        BodyPlan::Fish => {
            ellipse(svg, (cx, my + 4.0), 20.0, 16.0, &hsl(350.0, 60.0, 45.0));
            for side in [-1.0, 1.0] {
                let d = Path::m((cx + side * r * 0.72, h.y + r * 0.1)).q(
                    (cx + side * r * 0.6, h.y + r * 0.35),
                    (cx + side * r * 0.72, h.y + r * 0.6),
                );
                put!(svg, r#"<path d="{d}" fill="none" stroke-width="6"/>"#);
            }
        }
        BodyPlan::Insect => {
            for side in [-1.0, 1.0] {
                let d = Path::m((cx + side * 12.0, my - 8.0))
                    .q((cx + side * 52.0, my), (cx + side * 30.0, my + 40.0))
                    .q((cx + side * 26.0, my + 18.0), (cx + side * 8.0, my + 14.0))
                    .z();
                shape(svg, &d, &f.body.with_lightness(28.0).css());
                // Antennae, with a bulb at the end.
                let a = Path::m((cx + side * r * 0.25, h.y - r * 0.8)).q(
                    (cx + side * r * 0.3, h.y - r * 1.4),
                    (cx + side * r * 0.75, h.y - r * 1.5),
                );
                if !f.hints.has(Hints::ARACHNID) {
                    put!(svg, r#"<path d="{a}" fill="none" stroke-width="8"/>"#);
                    ellipse(
                        svg,
                        (cx + side * r * 0.75, h.y - r * 1.5),
                        12.0,
                        12.0,
                        &f.accent.css(),
                    );
                }
            }
        }
        BodyPlan::Plant => smile(svg, cx, my, r * 0.3, 16.0),
        BodyPlan::Undead if skull(f, plan) => {
            let nose = Path::m((cx, my - 26.0))
                .l((cx - 13.0, my - 2.0))
                .l((cx + 13.0, my - 2.0))
                .z();
            shape(svg, &nose, &hsl(0.0, 0.0, 10.0));
            put!(
                svg,
                r#"<rect x="{:.0}" y="{:.0}" width="{:.0}" height="30" rx="8" fill="white" stroke-width="6"/>"#,
                cx - r * 0.38,
                my + 12.0,
                r * 0.76
            );
            for i in 1..4 {
                let x = cx - r * 0.38 + r * 0.19 * f64::from(i);
                put!(
                    svg,
                    r#"<path d="M{x:.0} {:.0} L{x:.0} {:.0}" fill="none" stroke-width="4"/>"#,
                    my + 12.0,
                    my + 42.0
                );
            }
            let crack = Path::m(h.at(1.0, 0.35, -0.85))
                .l(h.at(1.0, 0.45, -0.6))
                .l(h.at(1.0, 0.33, -0.48));
            put!(svg, r#"<path d="{crack}" fill="none" stroke-width="5"/>"#);
            return;
        }
        BodyPlan::Undead => {
            smile(svg, cx, my, r * 0.3, 14.0);
            for side in [-1.0, 1.0] {
                fang(svg, cx + side * r * 0.16, my + 4.0, 20.0);
            }
        }
        BodyPlan::Humanoid => {
            if f.hints.has(Hints::BEARD) {
                beard(svg, f, h);
            }
            let nose =
                Path::m((cx - 8.0, my - 34.0)).q((cx + 22.0, my - 10.0), (cx - 6.0, my - 8.0));
            put!(svg, r#"<path d="{nose}" fill="none" stroke-width="6"/>"#);
            smile(svg, cx, my + 6.0, r * 0.26, 12.0);
            if f.hints.has(Hints::TUSKS) {
                tusks(svg, cx, my + 16.0, r * 0.32);
            }
        }
        BodyPlan::Construct => {
            put!(
                svg,
                r#"<rect x="{:.0}" y="{:.0}" width="80" height="22" rx="6" fill="{}" stroke-width="6"/>"#,
                cx - 40.0,
                my - 6.0,
                f.accent.with_lightness(30.0).css()
            );
        }
        BodyPlan::Aquatic | BodyPlan::Blob => {
            let d = Path::m((cx - 30.0, my)).q((cx, my + 34.0), (cx + 30.0, my));
            put!(
                svg,
                r#"<path d="{d}" fill="{}" stroke-width="6"/>"#,
                hsl(350.0, 60.0, 40.0)
            );
        }
    }
    if plan == BodyPlan::Insect {
        return;
    }
    let blush = hsl(345.0, 80.0, 78.0);
    for side in [-1.0, 1.0] {
        put!(
            svg,
            r#"<ellipse cx="{:.0}" cy="{:.0}" rx="22" ry="13" fill="{blush}" opacity="0.7" stroke-width="0"/>"#,
            cx + side * r * 0.62,
            h.y + r * 0.35
        );
    }
}

fn smile(svg: &mut String, cx: f64, y: f64, half: f64, depth: f64) {
    let d = Path::m((cx - half, y)).q((cx, y + depth), (cx + half, y));
    put!(svg, r#"<path d="{d}" fill="none" stroke-width="6"/>"#);
}

fn cat_mouth(svg: &mut String, cx: f64, y: f64, w: f64) {
    let d = Path::m((cx - 2.0 * w, y + 2.0))
        .q((cx - w, y + 12.0), (cx, y))
        .q((cx + w, y + 12.0), (cx + 2.0 * w, y + 2.0));
    put!(svg, r#"<path d="{d}" fill="none" stroke-width="5"/>"#);
}

fn fang(svg: &mut String, x: f64, y: f64, length: f64) {
    let d = Path::m((x - 7.0, y)).l((x, y + length)).l((x + 7.0, y)).z();
    put!(svg, r#"<path d="{d}" fill="white" stroke-width="4"/>"#);
}

/// Two tusks rising from the lower lip.
fn tusks(svg: &mut String, cx: f64, y: f64, apart: f64) {
    for side in [-1.0, 1.0] {
        let x = cx + side * apart;
        let d = Path::m((x - 8.0, y + 8.0))
            .q((x - side * 2.0, y - 20.0), (x + side * 6.0, y - 26.0))
            .l((x + 9.0, y + 8.0))
            .z();
        put!(
            svg,
            r#"<path d="{d}" fill="{}" stroke-width="5"/>"#,
            hsl(45.0, 40.0, 92.0)
        );
    }
}

/// A full beard from cheek to cheek, with a moustache.
fn beard(svg: &mut String, f: &Features, h: Head) {
    let hair = f.accent.with_lightness(30.0).css();
    let d = Path::m(h.at(-1.0, 0.9, 0.1))
        .q(h.at(-1.0, 0.9, 1.2), (h.x, h.y + h.r * 1.45))
        .q(h.at(1.0, 0.9, 1.2), h.at(1.0, 0.9, 0.1))
        .q(h.at(1.0, 0.5, 0.6), (h.x, h.y + h.r * 0.55))
        .q(h.at(-1.0, 0.5, 0.6), h.at(-1.0, 0.9, 0.1))
        .z();
    shape(svg, &d, &hair);
    let tache = Path::m(h.at(-1.0, 0.42, 0.56))
        .q((h.x, h.y + h.r * 0.3), h.at(1.0, 0.42, 0.56))
        .q((h.x, h.y + h.r * 0.5), h.at(-1.0, 0.42, 0.56))
        .z();
    shape(svg, &tache, &hair);
}
