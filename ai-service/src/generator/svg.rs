//! Drawing a portrait as SVG (512 × 512): bold shapes and thick outlines, so it reads at 64 px
//! and still looks finished at 512 px.

use super::features::{BodyPlan, Features, Hsl, Pattern};
use std::fmt::Write;

const OUTLINE: f64 = 9.0;

/// The SVG document of a portrait.
pub fn draw(features: &Features) -> String {
    let mut f = features.clone();
    let ink = f.body.with_lightness(18.0).css();
    let mut svg = String::with_capacity(8 * 1024);
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512" width="512" height="512">"#
    );
    defs(&mut svg, &f);
    let _ = write!(
        svg,
        r#"<rect width="512" height="512" rx="96" fill="url(#bg)"/>"#
    );
    let _ = write!(
        svg,
        r#"<ellipse cx="256" cy="478" rx="150" ry="22" fill="{}" opacity="0.35"/>"#,
        f.background.with_lightness(55.0).css()
    );
    let _ = write!(
        svg,
        r#"<g stroke="{ink}" stroke-width="{OUTLINE}" stroke-linejoin="round" stroke-linecap="round">"#
    );
    if f.wings {
        wings(&mut svg, &f);
    }
    if f.tail {
        tail(&mut svg, &f);
    }
    body(&mut svg, &mut f);
    head(&mut svg, &mut f);
    svg.push_str("</g></svg>");
    svg
}

fn defs(svg: &mut String, f: &Features) {
    let _ = write!(
        svg,
        r#"<defs><radialGradient id="bg" cx="50%" cy="40%" r="75%"><stop offset="0" stop-color="{}"/><stop offset="1" stop-color="{}"/></radialGradient><radialGradient id="skin" cx="40%" cy="30%" r="80%"><stop offset="0" stop-color="{}"/><stop offset="1" stop-color="{}"/></radialGradient><clipPath id="torso"><ellipse cx="256" cy="392" rx="118" ry="100"/></clipPath></defs>"#,
        f.background.with_lightness(94.0).css(),
        f.background.with_lightness(78.0).css(),
        f.body.with_lightness(f.body.2 + 12.0).css(),
        f.body.with_lightness(f.body.2 - 8.0).css(),
    );
}

fn wings(svg: &mut String, f: &Features) {
    let fill = f.body.with_lightness(f.body.2 - 14.0).css();
    let membrane = f.accent.with_lightness(70.0).css();
    for side in [-1.0, 1.0] {
        let x = |dx: f64| 256.0 + side * dx;
        if f.plan == BodyPlan::Avian {
            // A feathered wing: three overlapping rounded feathers.
            for (i, (dx, dy, rot)) in [
                (150.0, 300.0, 20.0),
                (175.0, 340.0, 35.0),
                (185.0, 385.0, 50.0),
            ]
            .iter()
            .enumerate()
            {
                let _ = write!(
                    svg,
                    r#"<ellipse cx="{:.0}" cy="{dy:.0}" rx="{}" ry="34" transform="rotate({:.0} {:.0} {dy:.0})" fill="{}"/>"#,
                    x(*dx),
                    95 - i * 10,
                    -side * rot,
                    x(*dx),
                    if i == 1 { &membrane } else { &fill }
                );
            }
        } else {
            // A bat wing: struts with scalloped membrane.
            let _ = write!(
                svg,
                r#"<path d="M{:.0} 330 L{:.0} 170 L{:.0} 250 L{:.0} 235 L{:.0} 310 L{:.0} 300 L{:.0} 380 Z" fill="{membrane}"/>"#,
                x(120.0),
                x(225.0),
                x(215.0),
                x(240.0),
                x(215.0),
                x(225.0),
                x(130.0)
            );
            let _ = write!(
                svg,
                r#"<path d="M{:.0} 330 L{:.0} 170" fill="none" stroke-width="12"/>"#,
                x(120.0),
                x(225.0)
            );
        }
    }
}

fn tail(svg: &mut String, f: &Features) {
    let fill = f.body.css();
    let _ = write!(
        svg,
        r#"<path d="M330 430 C420 450 470 400 440 330" fill="none" stroke-width="34"/><path d="M330 430 C420 450 470 400 440 330" fill="none" stroke="{fill}" stroke-width="18"/>"#
    );
    if f.plan == BodyPlan::Reptile {
        let _ = write!(
            svg,
            r#"<path d="M440 300 L468 336 L440 350 L414 336 Z" fill="{}"/>"#,
            f.accent.css()
        );
    } else {
        let _ = write!(
            svg,
            r#"<circle cx="440" cy="326" r="20" fill="{}"/>"#,
            f.body.with_lightness(f.body.2 + 15.0).css()
        );
    }
}

fn body(svg: &mut String, f: &mut Features) {
    let belly = f.body.with_lightness(82.0).css();
    match f.plan {
        BodyPlan::Blob => {
            let _ = write!(
                svg,
                r#"<path d="M136 300 C136 150 376 150 376 300 L376 450 Q346 420 316 450 Q286 480 256 450 Q226 420 196 450 Q166 480 136 450 Z" fill="url(#skin)"/>"#
            );
        }
        BodyPlan::Construct => {
            let _ = write!(
                svg,
                r#"<rect x="146" y="300" width="220" height="180" rx="34" fill="url(#skin)"/>"#
            );
            let _ = write!(
                svg,
                r#"<rect x="206" y="340" width="100" height="90" rx="14" fill="{belly}"/>"#
            );
            for (cx, cy) in [
                (170.0, 325.0),
                (342.0, 325.0),
                (170.0, 455.0),
                (342.0, 455.0),
            ] {
                let _ = write!(
                    svg,
                    r#"<circle cx="{cx:.0}" cy="{cy:.0}" r="9" fill="{}" stroke-width="4"/>"#,
                    f.accent.css()
                );
            }
        }
        BodyPlan::Aquatic => {
            for i in 0..5 {
                let x = 166.0 + f64::from(i) * 45.0;
                let sway = if i % 2 == 0 { 22.0 } else { -22.0 };
                let _ = write!(
                    svg,
                    r#"<path d="M{x:.0} 400 C{:.0} 440 {:.0} 460 {:.0} 492" fill="none" stroke-width="34"/><path d="M{x:.0} 400 C{:.0} 440 {:.0} 460 {:.0} 492" fill="none" stroke="{}" stroke-width="18"/>"#,
                    x + sway,
                    x - sway,
                    x + sway / 2.0,
                    x + sway,
                    x - sway,
                    x + sway / 2.0,
                    f.body.css()
                );
            }
            let _ = write!(
                svg,
                r#"<ellipse cx="256" cy="380" rx="118" ry="80" fill="url(#skin)"/>"#
            );
        }
        _ => {
            let _ = write!(
                svg,
                r#"<ellipse cx="256" cy="392" rx="118" ry="100" fill="url(#skin)"/>"#
            );
            pattern(svg, f);
            let _ = write!(
                svg,
                r#"<ellipse cx="256" cy="415" rx="66" ry="66" fill="{belly}" stroke-width="0"/>"#
            );
            for side in [-1.0, 1.0] {
                let _ = write!(
                    svg,
                    r#"<ellipse cx="{:.0}" cy="472" rx="38" ry="24" fill="{}"/>"#,
                    256.0 + side * 62.0,
                    f.body.with_lightness(f.body.2 - 6.0).css()
                );
            }
        }
    }
}

fn pattern(svg: &mut String, f: &mut Features) {
    let mark = f.body.with_lightness(f.body.2 - 16.0).css();
    let _ = write!(
        svg,
        r#"<g clip-path="url(#torso)" stroke-width="0" fill="{mark}">"#
    );
    match f.pattern {
        Pattern::Plain => {}
        Pattern::Spots => {
            for _ in 0..7 {
                let (x, y, r) = (
                    f.rng.range(150.0, 362.0),
                    f.rng.range(310.0, 470.0),
                    f.rng.range(10.0, 22.0),
                );
                let _ = write!(svg, r#"<circle cx="{x:.0}" cy="{y:.0}" r="{r:.0}"/>"#);
            }
        }
        Pattern::Stripes => {
            for i in 0..4 {
                let y = 318.0 + f64::from(i) * 42.0;
                let _ = write!(
                    svg,
                    r#"<path d="M130 {y:.0} Q256 {:.0} 382 {y:.0} L382 {:.0} Q256 {:.0} 130 {:.0} Z"/>"#,
                    y + 26.0,
                    y + 14.0,
                    y + 40.0,
                    y + 14.0
                );
            }
        }
        Pattern::Scales => {
            for row in 0..5 {
                for col in 0..7 {
                    let x = 150.0 + f64::from(col) * 36.0 + if row % 2 == 0 { 0.0 } else { 18.0 };
                    let y = 310.0 + f64::from(row) * 34.0;
                    let _ = write!(
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

fn head(svg: &mut String, f: &mut Features) {
    let r = 118.0 * f.head_scale;
    let (cx, cy) = (256.0, 222.0);
    let accent = f.accent.css();
    // What sits behind the head.
    match f.plan {
        BodyPlan::Beast => {
            for side in [-1.0, 1.0] {
                let x = cx + side * r * 0.62;
                let _ = write!(
                    svg,
                    r#"<path d="M{:.0} {:.0} L{:.0} {:.0} L{:.0} {:.0} Z" fill="{}"/>"#,
                    x - 42.0,
                    cy - r * 0.55,
                    x + side * 20.0,
                    cy - r * 1.22,
                    x + 42.0,
                    cy - r * 0.7,
                    f.body.css()
                );
                let _ = write!(
                    svg,
                    r#"<path d="M{:.0} {:.0} L{:.0} {:.0} L{:.0} {:.0} Z" fill="{}" stroke-width="0"/>"#,
                    x - 20.0,
                    cy - r * 0.7,
                    x + side * 14.0,
                    cy - r * 1.05,
                    x + 22.0,
                    cy - r * 0.78,
                    Hsl(340.0, 70.0, 80.0).css()
                );
            }
        }
        BodyPlan::Avian => {
            for (i, dx) in [-34.0, 0.0, 34.0].iter().enumerate() {
                let _ = write!(
                    svg,
                    r#"<ellipse cx="{:.0}" cy="{:.0}" rx="16" ry="46" transform="rotate({:.0} {:.0} {:.0})" fill="{}"/>"#,
                    cx + dx,
                    cy - r - 12.0 + if i == 1 { -10.0 } else { 0.0 },
                    dx * 0.8,
                    cx + dx,
                    cy - r,
                    accent
                );
            }
        }
        BodyPlan::Aquatic => {
            for side in [-1.0, 1.0] {
                let x = cx + side * r * 0.95;
                let _ = write!(
                    svg,
                    r#"<path d="M{x:.0} {:.0} L{:.0} {:.0} L{x:.0} {:.0} Z" fill="{accent}"/>"#,
                    cy - 40.0,
                    x + side * 60.0,
                    cy - 10.0,
                    cy + 30.0
                );
            }
        }
        _ => {}
    }
    if f.horns {
        for side in [-1.0, 1.0] {
            let x = cx + side * r * 0.45;
            // From the inner base, up and out to the tip, back down to the outer base.
            let _ = write!(
                svg,
                r#"<path d="M{:.0} {:.0} Q{:.0} {:.0} {:.0} {:.0} Q{:.0} {:.0} {:.0} {:.0} Z" fill="{}"/>"#,
                x - side * 22.0,
                cy - r * 0.78,
                x + side * 4.0,
                cy - r * 1.3,
                x + side * 58.0,
                cy - r * 1.42,
                x + side * 30.0,
                cy - r * 1.02,
                x + side * 22.0,
                cy - r * 0.68,
                f.accent.with_lightness(82.0).css()
            );
        }
    }
    // The head itself.
    match f.plan {
        BodyPlan::Construct => {
            let _ = write!(
                svg,
                r#"<rect x="{:.0}" y="{:.0}" width="{:.0}" height="{:.0}" rx="40" fill="url(#skin)"/>"#,
                cx - r,
                cy - r * 0.9,
                2.0 * r,
                1.8 * r
            );
        }
        BodyPlan::Blob => {}
        _ => {
            let _ = write!(
                svg,
                r#"<ellipse cx="{cx:.0}" cy="{cy:.0}" rx="{r:.0}" ry="{:.0}" fill="url(#skin)"/>"#,
                r * 0.92
            );
        }
    }
    eyes(svg, f, cx, cy - r * 0.12, r);
    face(svg, f, cx, cy, r);
}

fn eyes(svg: &mut String, f: &Features, cx: f64, cy: f64, r: f64) {
    let count = f.eyes.max(1);
    let spread = r * if count == 1 { 0.0 } else { 1.05 };
    let size = (r * 0.34 / (f64::from(count).sqrt() * 0.8)).min(r * 0.36);
    let iris = f.accent.css();
    for i in 0..count {
        let t = if count == 1 {
            0.5
        } else {
            f64::from(i) / f64::from(count - 1)
        };
        let x = cx - spread / 2.0 + spread * t;
        let y = cy - (t - 0.5).abs() * r * 0.25 * f64::from(count.saturating_sub(2).min(1));
        let _ = write!(
            svg,
            r#"<ellipse cx="{x:.0}" cy="{y:.0}" rx="{:.0}" ry="{:.0}" fill="white" stroke-width="7"/>"#,
            size,
            size * 1.12
        );
        let _ = write!(
            svg,
            r#"<circle cx="{:.0}" cy="{:.0}" r="{:.0}" fill="{iris}" stroke-width="0"/>"#,
            x + size * 0.12,
            y + size * 0.1,
            size * 0.66
        );
        let _ = write!(
            svg,
            r#"<circle cx="{:.0}" cy="{:.0}" r="{:.0}" fill="{}" stroke-width="0"/>"#,
            x + size * 0.15,
            y + size * 0.12,
            size * 0.36,
            Hsl(0.0, 0.0, 8.0).css()
        );
        let _ = write!(
            svg,
            r#"<circle cx="{:.0}" cy="{:.0}" r="{:.0}" fill="white" stroke-width="0"/>"#,
            x - size * 0.12,
            y - size * 0.2,
            size * 0.2
        );
    }
}

fn face(svg: &mut String, f: &Features, cx: f64, cy: f64, r: f64) {
    let my = cy + r * 0.5;
    let blush = Hsl(345.0, 80.0, 78.0).css();
    match f.plan {
        BodyPlan::Avian => {
            let _ = write!(
                svg,
                r#"<path d="M{:.0} {:.0} L{:.0} {:.0} L{cx:.0} {:.0} Z" fill="{}"/>"#,
                cx - 30.0,
                my - 22.0,
                cx + 30.0,
                my - 22.0,
                my + 30.0,
                Hsl(40.0, 90.0, 58.0).css()
            );
        }
        BodyPlan::Reptile => {
            let _ = write!(
                svg,
                r#"<ellipse cx="{cx:.0}" cy="{:.0}" rx="{:.0}" ry="{:.0}" fill="{}"/>"#,
                my - 4.0,
                r * 0.5,
                r * 0.28,
                f.body.with_lightness(f.body.2 + 10.0).css()
            );
            for side in [-1.0, 1.0] {
                let _ = write!(
                    svg,
                    r#"<ellipse cx="{:.0}" cy="{:.0}" rx="6" ry="4" fill="{}" stroke-width="0"/>"#,
                    cx + side * 18.0,
                    my - 14.0,
                    f.body.with_lightness(20.0).css()
                );
                let _ = write!(
                    svg,
                    r#"<path d="M{:.0} {:.0} L{:.0} {:.0} L{:.0} {:.0} Z" fill="white" stroke-width="4"/>"#,
                    cx + side * 26.0 - 7.0,
                    my + 10.0,
                    cx + side * 26.0,
                    my + 26.0,
                    cx + side * 26.0 + 7.0,
                    my + 10.0
                );
            }
            let _ = write!(
                svg,
                r#"<path d="M{:.0} {:.0} Q{cx:.0} {:.0} {:.0} {:.0}" fill="none" stroke-width="6"/>"#,
                cx - 40.0,
                my + 8.0,
                my + 20.0,
                cx + 40.0,
                my + 8.0
            );
        }
        BodyPlan::Beast => {
            let _ = write!(
                svg,
                r#"<ellipse cx="{cx:.0}" cy="{:.0}" rx="{:.0}" ry="{:.0}" fill="{}"/>"#,
                my,
                r * 0.36,
                r * 0.24,
                f.body.with_lightness(84.0).css()
            );
            let _ = write!(
                svg,
                r#"<path d="M{:.0} {:.0} L{:.0} {:.0} L{cx:.0} {:.0} Z" fill="{}" stroke-width="5"/>"#,
                cx - 14.0,
                my - 16.0,
                cx + 14.0,
                my - 16.0,
                my - 2.0,
                Hsl(0.0, 0.0, 12.0).css()
            );
            let _ = write!(
                svg,
                r#"<path d="M{:.0} {:.0} Q{:.0} {:.0} {cx:.0} {:.0} Q{:.0} {:.0} {:.0} {:.0}" fill="none" stroke-width="5"/>"#,
                cx - 24.0,
                my + 8.0,
                cx - 12.0,
                my + 18.0,
                my + 6.0,
                cx + 12.0,
                my + 18.0,
                cx + 24.0,
                my + 8.0
            );
        }
        BodyPlan::Construct => {
            let _ = write!(
                svg,
                r#"<rect x="{:.0}" y="{:.0}" width="80" height="22" rx="6" fill="{}" stroke-width="6"/>"#,
                cx - 40.0,
                my - 6.0,
                f.accent.with_lightness(30.0).css()
            );
        }
        BodyPlan::Aquatic | BodyPlan::Blob => {
            let _ = write!(
                svg,
                r#"<path d="M{:.0} {my:.0} Q{cx:.0} {:.0} {:.0} {my:.0}" fill="{}" stroke-width="6"/>"#,
                cx - 30.0,
                my + 34.0,
                cx + 30.0,
                Hsl(350.0, 60.0, 40.0).css()
            );
        }
    }
    for side in [-1.0, 1.0] {
        let _ = write!(
            svg,
            r#"<ellipse cx="{:.0}" cy="{:.0}" rx="22" ry="13" fill="{blush}" opacity="0.7" stroke-width="0"/>"#,
            cx + side * r * 0.62,
            cy + r * 0.35
        );
    }
}
