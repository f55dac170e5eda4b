//! What is drawn behind the body: wings (feathered, gossamer or bat) and the tail.

use super::{MID, Path, ellipse, put, shape, tube};
use crate::generator::features::Features;
use crate::generator::{BodyPlan, Hints};
use std::fmt::Write;

enum Wing {
    Feathered,
    Gossamer,
    Bat,
}

fn wing_kind(f: &Features) -> Wing {
    match f.plan {
        _ if f.hints.has(Hints::FEATHERS) => Wing::Feathered,
        _ if f.hints.has(Hints::GOSSAMER) => Wing::Gossamer,
        BodyPlan::Avian | BodyPlan::Equine | BodyPlan::Serpent => Wing::Feathered,
        BodyPlan::Insect => Wing::Gossamer,
        _ => Wing::Bat,
    }
}

/// A pair of wings.
pub(super) fn wings(svg: &mut String, f: &Features) {
    let fill = f.body.with_lightness(f.body.2 - 14.0).css();
    let membrane = f.accent.with_lightness(70.0).css();
    let kind = wing_kind(f);
    for side in [-1.0, 1.0] {
        let x = |dx: f64| MID + side * dx;
        match kind {
            Wing::Feathered => {
                // Three overlapping rounded feathers.
                for (i, (dx, dy, rot)) in [
                    (150.0, 300.0, 20.0),
                    (175.0, 340.0, 35.0),
                    (185.0, 385.0, 50.0),
                ]
                .iter()
                .enumerate()
                {
                    put!(
                        svg,
                        r#"<ellipse cx="{:.0}" cy="{dy:.0}" rx="{}" ry="34" transform="rotate({:.0} {:.0} {dy:.0})" fill="{}"/>"#,
                        x(*dx),
                        95 - i * 10,
                        -side * rot,
                        x(*dx),
                        if i == 1 { &membrane } else { &fill }
                    );
                }
            }
            Wing::Gossamer => {
                // Two pairs of clear, veined wings.
                for (dx, dy, rx, ry, rot) in [
                    (150.0, 250.0, 105.0, 48.0, -30.0),
                    (150.0, 350.0, 80.0, 36.0, 25.0),
                ] {
                    put!(
                        svg,
                        r#"<ellipse cx="{:.0}" cy="{dy:.0}" rx="{rx:.0}" ry="{ry:.0}" transform="rotate({:.0} {:.0} {dy:.0})" fill="white" fill-opacity="0.6" stroke-width="7"/>"#,
                        x(dx),
                        side * rot,
                        x(dx)
                    );
                    put!(
                        svg,
                        r#"<path d="M{:.0} {:.0} L{:.0} {dy:.0}" transform="rotate({:.0} {:.0} {dy:.0})" fill="none" stroke-width="4" opacity="0.6"/>"#,
                        x(dx - rx * 0.8),
                        dy,
                        x(dx + rx * 0.8),
                        side * rot,
                        x(dx)
                    );
                }
            }
            Wing::Bat => {
                // Struts with a scalloped membrane.
                let d = Path::m((x(120.0), 330.0))
                    .l((x(225.0), 170.0))
                    .l((x(215.0), 250.0))
                    .l((x(240.0), 235.0))
                    .l((x(215.0), 310.0))
                    .l((x(225.0), 300.0))
                    .l((x(130.0), 380.0))
                    .z();
                shape(svg, &d, &membrane);
                let strut = Path::m((x(120.0), 330.0)).l((x(225.0), 170.0));
                put!(svg, r#"<path d="{strut}" fill="none" stroke-width="12"/>"#);
            }
        }
    }
}

/// The tail, which curls up at the right.
pub(super) fn tail(svg: &mut String, f: &Features) {
    let fill = f.body.css();
    let light = f.body.with_lightness(f.body.2 + 18.0).css();
    let accent = f.accent.css();
    let curl = Path::m((330.0, 430.0)).c((420.0, 450.0), (470.0, 400.0), (440.0, 330.0));
    match f.plan {
        BodyPlan::Reptile | BodyPlan::Humanoid | BodyPlan::Undead => {
            // Thin for a devil, thick for a dragon; a spade at the tip.
            let width = if f.plan == BodyPlan::Reptile {
                18.0
            } else {
                9.0
            };
            tube(svg, &curl, width, &fill);
            let tip = Path::m((440.0, 300.0))
                .l((468.0, 336.0))
                .l((440.0, 350.0))
                .l((414.0, 336.0))
                .z();
            shape(svg, &tip, &accent);
        }
        BodyPlan::Canine => {
            // A bushy brush with a pale tip.
            let brush = Path::m((320.0, 440.0)).c((430.0, 470.0), (480.0, 380.0), (450.0, 300.0));
            tube(svg, &brush, 46.0, &fill);
            ellipse(svg, (452.0, 300.0), 24.0, 30.0, &light);
        }
        BodyPlan::Feline => {
            // Long and slender, hooked at the end.
            let whip = Path::m((330.0, 440.0))
                .c((430.0, 460.0), (420.0, 330.0), (450.0, 290.0))
                .q((466.0, 268.0), (486.0, 282.0));
            tube(svg, &whip, 16.0, &fill);
        }
        BodyPlan::Equine => {
            // Flowing hair, in the mane's colour.
            let hair = f.accent.with_lightness(40.0).css();
            let d = Path::m((340.0, 360.0))
                .c((440.0, 340.0), (470.0, 430.0), (440.0, 490.0))
                .q((420.0, 450.0), (400.0, 480.0))
                .q((410.0, 430.0), (340.0, 420.0))
                .z();
            shape(svg, &d, &hair);
        }
        BodyPlan::Insect => {
            // A scorpion's segmented sting, over the back.
            let d = Path::m((320.0, 430.0)).c((440.0, 440.0), (470.0, 320.0), (420.0, 250.0));
            tube(svg, &d, 30.0, &fill);
            for (x, y) in [(400.0, 437.0), (445.0, 390.0), (450.0, 320.0)] {
                ellipse(svg, (x, y), 6.0, 6.0, &light);
            }
            let sting = Path::m((405.0, 255.0))
                .q((400.0, 205.0), (370.0, 200.0))
                .q((420.0, 195.0), (438.0, 245.0))
                .z();
            shape(svg, &sting, &accent);
        }
        _ => {
            tube(svg, &curl, 18.0, &fill);
            ellipse(svg, (440.0, 326.0), 20.0, 20.0, &light);
        }
    }
}
