//! The body below the head, one shape per plan: a round torso on paws or hooves, coils, a fish
//! tail, segments on thin legs, a trunk, a robe, a tunic with arms.

use super::{MID, P, Path, ellipse, hsl, pattern, put, shape, tube};
use crate::generator::features::Features;
use crate::generator::{BodyPlan, Hints};
use std::fmt::Write;

/// The torso most plans share.
const TORSO: (P, f64, f64) = ((MID, 392.0), 118.0, 100.0);

/// The body of a creature.
pub(super) fn body(svg: &mut String, f: &mut Features) {
    match f.plan {
        BodyPlan::Blob => {
            let d = "M136 300 C136 150 376 150 376 300 L376 450 Q346 420 316 450 Q286 480 256 450 Q226 420 196 450 Q166 480 136 450 Z";
            put!(svg, r#"<path d="{d}" fill="url(#skin)"/>"#);
        }
        BodyPlan::Construct => construct(svg, f),
        BodyPlan::Aquatic => tentacles(svg, f),
        BodyPlan::Serpent => serpent(svg, f),
        BodyPlan::Fish => fish(svg, f),
        BodyPlan::Insect => insect(svg, f),
        BodyPlan::Plant => plant(svg, f),
        BodyPlan::Undead => robe(svg, f),
        BodyPlan::Humanoid => tunic(svg, f),
        BodyPlan::Equine => {
            legs(svg, f, &[-96.0, 96.0], 420.0);
            torso(svg, f);
            legs(svg, f, &[-44.0, 44.0], 440.0);
        }
        BodyPlan::Reptile
        | BodyPlan::Avian
        | BodyPlan::Beast
        | BodyPlan::Canine
        | BodyPlan::Feline => {
            torso(svg, f);
            paws(svg, f);
        }
    }
}

fn torso(svg: &mut String, f: &mut Features) {
    let (c, rx, ry) = TORSO;
    ellipse(svg, c, rx, ry, "url(#skin)");
    pattern(svg, f, c, rx, ry);
    let belly = f.body.with_lightness(82.0).css();
    put!(
        svg,
        r#"<ellipse cx="256" cy="415" rx="66" ry="66" fill="{belly}" stroke-width="0"/>"#
    );
}

/// Two front paws (or bird feet), with toes on the furred ones.
fn paws(svg: &mut String, f: &Features) {
    let fill = f.body.with_lightness(f.body.2 - 6.0).css();
    let toes = matches!(
        f.plan,
        BodyPlan::Beast | BodyPlan::Canine | BodyPlan::Feline
    );
    for side in [-1.0, 1.0] {
        let x = MID + side * 62.0;
        ellipse(svg, (x, 472.0), 38.0, 24.0, &fill);
        if toes {
            for dx in [-12.0, 12.0] {
                let d = Path::m((x + dx, 462.0)).l((x + dx, 478.0));
                put!(svg, r#"<path d="{d}" fill="none" stroke-width="5"/>"#);
            }
        }
    }
}

/// Straight legs ending in dark hooves, from `top` down to the ground.
fn legs(svg: &mut String, f: &Features, xs: &[f64], top: f64) {
    let fill = f.body.with_lightness(f.body.2 - 4.0).css();
    let hoof = f.body.with_lightness(22.0).css();
    for dx in xs {
        let x = MID + dx;
        put!(
            svg,
            r#"<rect x="{:.0}" y="{top:.0}" width="44" height="{:.0}" rx="16" fill="{fill}"/><rect x="{:.0}" y="474" width="52" height="24" rx="8" fill="{hoof}"/>"#,
            x - 22.0,
            486.0 - top,
            x - 26.0
        );
    }
}

fn construct(svg: &mut String, f: &Features) {
    let belly = f.body.with_lightness(82.0).css();
    put!(
        svg,
        r#"<rect x="146" y="300" width="220" height="180" rx="34" fill="url(#skin)"/><rect x="206" y="340" width="100" height="90" rx="14" fill="{belly}"/>"#
    );
    for (cx, cy) in [(170, 325), (342, 325), (170, 455), (342, 455)] {
        put!(
            svg,
            r#"<circle cx="{cx}" cy="{cy}" r="9" fill="{}" stroke-width="4"/>"#,
            f.accent.css()
        );
    }
}

fn tentacles(svg: &mut String, f: &Features) {
    let fill = f.body.css();
    let suckers = f.body.with_lightness(80.0).css();
    for i in 0..5 {
        let x = 166.0 + f64::from(i) * 45.0;
        let sway = if i % 2 == 0 { 22.0 } else { -22.0 };
        let d = Path::m((x, 400.0)).c(
            (x + sway, 440.0),
            (x - sway, 460.0),
            (x + sway / 2.0, 492.0),
        );
        tube(svg, &d, 18.0, &fill);
        for t in [0.55, 0.8] {
            put!(
                svg,
                r#"<circle cx="{:.0}" cy="{:.0}" r="4" fill="{suckers}" stroke-width="0"/>"#,
                x + sway * (1.0 - t) * 0.6,
                400.0 + 92.0 * t
            );
        }
    }
    ellipse(svg, (MID, 380.0), 118.0, 80.0, "url(#skin)");
}

/// Coils on the ground, or humps out of the water for a sea monster.
fn serpent(svg: &mut String, f: &mut Features) {
    let fill = f.body.css();
    let groove = f.body.with_lightness(f.body.2 - 14.0).css();
    let belly = f.body.with_lightness(80.0).css();
    if f.hints.has(Hints::WATER) {
        // Humps behind, then the neck rising from the water, then the water in front.
        for (x0, x1, top) in [(96.0, 176.0, 352.0), (330.0, 420.0, 340.0)] {
            let d = Path::m((x0, 470.0)).c((x0, top), (x1, top), (x1, 470.0));
            tube(svg, &d, 50.0, &fill);
        }
        let tip = Path::m((446.0, 470.0))
            .q((452.0, 410.0), (486.0, 392.0))
            .q((474.0, 430.0), (478.0, 470.0))
            .z();
        shape(svg, &tip, &fill);
        neck(svg, &fill, &belly, 470.0);
        let water = hsl(205.0, 70.0, 55.0);
        let crest = hsl(200.0, 80.0, 85.0);
        let mut d = Path::m((-10.0, 452.0));
        for i in 0..9 {
            let x = -10.0 + f64::from(i) * 66.0;
            d = d.q((x + 33.0, 434.0), (x + 66.0, 452.0));
        }
        let d = d.l((540.0, 540.0)).l((-10.0, 540.0)).z();
        shape(svg, &d, &water);
        for x in [70.0, 250.0, 420.0] {
            let wave = Path::m((x, 482.0)).q((x + 20.0, 472.0), (x + 40.0, 482.0));
            put!(
                svg,
                r#"<path d="{wave}" fill="none" stroke="{crest}" stroke-width="6"/>"#
            );
        }
    } else {
        let tip = Path::m((380.0, 470.0))
            .q((450.0, 480.0), (476.0, 430.0))
            .q((470.0, 470.0), (400.0, 494.0))
            .z();
        shape(svg, &tip, &fill);
        for (cy, rx, ry) in [(452.0, 170.0, 40.0), (404.0, 134.0, 36.0)] {
            ellipse(svg, (MID, cy), rx, ry, "url(#skin)");
            let d = Path::m((MID - rx * 0.7, cy + 4.0))
                .q((MID, cy + ry * 1.2), (MID + rx * 0.7, cy + 4.0));
            put!(
                svg,
                r#"<path d="{d}" fill="none" stroke="{groove}" stroke-width="6"/>"#
            );
        }
        neck(svg, &fill, &belly, 404.0);
    }
}

/// The serpent's neck, from `base` up to under the head, with belly bands.
fn neck(svg: &mut String, fill: &str, belly: &str, base: f64) {
    let d = Path::m((MID, base)).c((MID - 70.0, 400.0), (MID + 60.0, 340.0), (MID, 280.0));
    tube(svg, &d, 74.0, fill);
    for i in 0..4 {
        let y = base - 24.0 - f64::from(i) * 34.0;
        if y < 300.0 {
            break;
        }
        let x = MID + if (i % 2) == 0 { -18.0 } else { 12.0 };
        let band = Path::m((x - 24.0, y)).q((x, y + 10.0), (x + 24.0, y));
        put!(
            svg,
            r#"<path d="{band}" fill="none" stroke="{belly}" stroke-width="7"/>"#
        );
    }
}

/// A fish body with side fins, tapering into a broad forked tail.
fn fish(svg: &mut String, f: &mut Features) {
    let fin = f.accent.with_lightness(62.0).css();
    let tail = Path::m((MID, 440.0))
        .q((196.0, 470.0), (150.0, 504.0))
        .q((MID, 500.0), (MID, 476.0))
        .q((MID, 500.0), (362.0, 504.0))
        .q((316.0, 470.0), (MID, 440.0))
        .z();
    shape(svg, &tail, &fin);
    for side in [-1.0, 1.0] {
        let x = |dx: f64| MID + side * dx;
        let d = Path::m((x(100.0), 350.0))
            .q((x(180.0), 340.0), (x(196.0), 410.0))
            .q((x(160.0), 396.0), (x(112.0), 410.0))
            .z();
        shape(svg, &d, &fin);
    }
    let d = Path::m((MID, 300.0))
        .c((370.0, 300.0), (380.0, 400.0), (MID, 462.0))
        .c((132.0, 400.0), (142.0, 300.0), (MID, 300.0))
        .z();
    shape(svg, &d, "url(#skin)");
    pattern(svg, f, (MID, 372.0), 96.0, 70.0);
}

/// A small thorax and a banded abdomen on six (or eight) thin jointed legs.
fn insect(svg: &mut String, f: &mut Features) {
    let leg = f.body.with_lightness(f.body.2 - 12.0).css();
    let pairs = if f.hints.has(Hints::ARACHNID) { 4 } else { 3 };
    for side in [-1.0, 1.0] {
        for i in 0..pairs {
            let t = f64::from(i) / f64::from(pairs - 1);
            let hip = (MID + side * 60.0, 340.0 + t * 70.0);
            let knee = (MID + side * (150.0 + t * 20.0), 290.0 + t * 90.0);
            let foot = (MID + side * (190.0 + t * 30.0), 400.0 + t * 80.0);
            let d = Path::m(hip).l(knee).l(foot);
            tube(svg, &d, 12.0, &leg);
        }
    }
    ellipse(svg, (MID, 330.0), 72.0, 48.0, "url(#skin)");
    let c = (MID, 420.0);
    ellipse(svg, c, 100.0, 76.0, "url(#skin)");
    let band = f.accent.with_lightness(40.0).css();
    for dy in [-30.0, 0.0, 30.0] {
        let y = c.1 + dy;
        let half = (1.0 - (dy / 76.0_f64).powi(2)).sqrt() * 92.0;
        let d = Path::m((MID - half, y)).q((MID, y + 18.0), (MID + half, y));
        put!(
            svg,
            r#"<path d="{d}" fill="none" stroke="{band}" stroke-width="10"/>"#
        );
    }
}

/// A bark trunk on spreading roots, or a fungus's stubby stem.
fn plant(svg: &mut String, f: &Features) {
    if f.hints.has(Hints::FUNGUS) {
        let stem = hsl(40.0, 40.0, 86.0);
        let d = Path::m((186.0, 300.0))
            .q((176.0, 420.0), (160.0, 480.0))
            .q((MID, 500.0), (352.0, 480.0))
            .q((336.0, 420.0), (326.0, 300.0))
            .z();
        shape(svg, &d, &stem);
        let skirt = Path::m((190.0, 330.0)).q((MID, 360.0), (322.0, 330.0));
        put!(svg, r#"<path d="{skirt}" fill="none" stroke-width="6"/>"#);
        return;
    }
    let bark = bark(f);
    for side in [-1.0, 1.0] {
        for (dx, spread) in [(30.0, 60.0), (60.0, 120.0)] {
            let d = Path::m((MID + side * dx, 440.0)).q(
                (MID + side * (dx + 20.0), 480.0),
                (MID + side * (dx + spread), 492.0),
            );
            tube(svg, &d, 22.0, &bark);
        }
    }
    let d = Path::m((180.0, 300.0))
        .q((170.0, 420.0), (150.0, 486.0))
        .l((362.0, 486.0))
        .q((342.0, 420.0), (332.0, 300.0))
        .z();
    shape(svg, &d, &bark);
    let groove = hsl(28.0, 40.0, 24.0);
    for (x, lean) in [(210.0, -8.0), (256.0, 6.0), (300.0, 10.0)] {
        let d = Path::m((x, 330.0)).q((x + lean, 400.0), (x - lean, 470.0));
        put!(
            svg,
            r#"<path d="{d}" fill="none" stroke="{groove}" stroke-width="6"/>"#
        );
    }
    // A leafy twig at one shoulder.
    let leaf = f.body.css();
    let twig = Path::m((326.0, 340.0)).q((380.0, 330.0), (400.0, 290.0));
    tube(svg, &twig, 12.0, &bark);
    put!(
        svg,
        r#"<ellipse cx="410" cy="270" rx="20" ry="34" transform="rotate(30 410 270)" fill="{leaf}"/>"#
    );
}

/// The colour of bark: brown, leaning a little towards the creature's hue.
pub(super) fn bark(f: &Features) -> String {
    hsl(28.0 + (f.body.0 - 28.0) * 0.1, 38.0, 36.0)
}

/// A ragged dark robe with the ribs showing.
fn robe(svg: &mut String, f: &Features) {
    let cloth = f.body.with_lightness(26.0).css();
    let mut d = Path::m((170.0, 300.0)).q((140.0, 400.0), (130.0, 492.0));
    for i in 0..6 {
        let x = 130.0 + f64::from(i) * 42.0;
        d = d.l((x + 21.0, 470.0)).l((x + 42.0, 492.0));
    }
    let d = d.q((372.0, 400.0), (342.0, 300.0)).z();
    shape(svg, &d, &cloth);
    if f.hints.has(Hints::CAPE) {
        let shirt = hsl(0.0, 0.0, 94.0);
        let d = Path::m((216.0, 300.0))
            .l((MID, 420.0))
            .l((296.0, 300.0))
            .z();
        shape(svg, &d, &shirt);
        return;
    }
    let bone = super::face::bone(f);
    let d = Path::m((206.0, 310.0))
        .q((MID, 300.0), (306.0, 310.0))
        .l((296.0, 440.0))
        .q((MID, 452.0), (216.0, 440.0))
        .z();
    shape(svg, &d, &hsl(0.0, 0.0, 8.0));
    put!(
        svg,
        r#"<path d="M256 312 L256 440" fill="none" stroke="{bone}" stroke-width="12"/>"#
    );
    for i in 0..4 {
        let y = 334.0 + f64::from(i) * 28.0;
        let half = 38.0 - f64::from(i) * 4.0;
        let rib = Path::m((MID - half, y + 10.0)).q((MID, y - 8.0), (MID + half, y + 10.0));
        put!(
            svg,
            r#"<path d="{rib}" fill="none" stroke="{bone}" stroke-width="9"/>"#
        );
    }
}

/// A belted tunic with arms at the sides and boots.
fn tunic(svg: &mut String, f: &Features) {
    let skin = f.body.css();
    let cloth = f.accent.with_lightness(42.0).css();
    let boot = f.accent.with_lightness(22.0).css();
    for side in [-1.0, 1.0] {
        ellipse(svg, (MID + side * 50.0, 478.0), 36.0, 20.0, &boot);
    }
    for side in [-1.0, 1.0] {
        let arm = Path::m((MID + side * 80.0, 330.0))
            .q((MID + side * 130.0, 370.0), (MID + side * 128.0, 420.0));
        tube(svg, &arm, 34.0, &cloth);
        ellipse(svg, (MID + side * 128.0, 430.0), 22.0, 22.0, &skin);
    }
    let d = Path::m((180.0, 310.0))
        .q((MID, 286.0), (332.0, 310.0))
        .q((356.0, 400.0), (340.0, 470.0))
        .q((MID, 486.0), (172.0, 470.0))
        .q((156.0, 400.0), (180.0, 310.0))
        .z();
    shape(svg, &d, &cloth);
    let belt = f.accent.with_lightness(25.0).css();
    put!(
        svg,
        r#"<path d="M168 410 Q256 424 344 410" fill="none" stroke="{belt}" stroke-width="18"/><rect x="240" y="404" width="32" height="26" rx="5" fill="{}" stroke-width="6"/>"#,
        hsl(45.0, 80.0, 60.0)
    );
}
