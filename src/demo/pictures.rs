//! Placeholder pictures for the demo content, painted from a scene name and
//! a seed: a sky, a light, layered land and a few scene-specific shapes.
//! They are plainly illustrations, never passed off as photographs.

use image::{Rgb, RgbImage};

struct Palette {
    sky_top: [f32; 3],
    sky_bottom: [f32; 3],
    light: [f32; 3],
    far: [f32; 3],
    near: [f32; 3],
}

fn palette(scene: &str) -> Palette {
    let p = |sky_top, sky_bottom, light, far, near| Palette {
        sky_top,
        sky_bottom,
        light,
        far,
        near,
    };
    match scene {
        "dusk-field" => p(
            [38., 44., 78.],
            [214., 132., 92.],
            [255., 214., 160.],
            [74., 62., 78.],
            [34., 30., 38.],
        ),
        "city-night" | "harbour" => p(
            [10., 16., 40.],
            [48., 58., 104.],
            [240., 236., 210.],
            [30., 34., 60.],
            [16., 18., 30.],
        ),
        "parliament" => p(
            [120., 150., 188.],
            [214., 206., 196.],
            [255., 248., 230.],
            [96., 88., 84.],
            [58., 54., 52.],
        ),
        "market" | "stage" => p(
            [60., 30., 52.],
            [196., 98., 74.],
            [255., 220., 150.],
            [110., 56., 60.],
            [52., 28., 36.],
        ),
        "stadium" => p(
            [40., 86., 150.],
            [150., 196., 230.],
            [255., 255., 240.],
            [40., 110., 60.],
            [24., 70., 40.],
        ),
        "coast" => p(
            [86., 150., 200.],
            [196., 222., 236.],
            [255., 250., 230.],
            [48., 100., 130.],
            [194., 178., 140.],
        ),
        "forest" => p(
            [110., 150., 140.],
            [200., 214., 190.],
            [255., 246., 210.],
            [52., 92., 64.],
            [26., 54., 36.],
        ),
        "laboratory" => p(
            [210., 222., 232.],
            [240., 244., 248.],
            [255., 255., 255.],
            [150., 170., 190.],
            [90., 110., 130.],
        ),
        "snow" => p(
            [150., 166., 190.],
            [226., 232., 240.],
            [255., 255., 255.],
            [180., 190., 206.],
            [236., 240., 246.],
        ),
        "desert" => p(
            [90., 150., 210.],
            [236., 206., 160.],
            [255., 244., 214.],
            [196., 140., 90.],
            [170., 110., 70.],
        ),
        "portrait" => p(
            [70., 84., 100.],
            [150., 160., 170.],
            [230., 230., 230.],
            [60., 66., 76.],
            [40., 44., 52.],
        ),
        _ => p(
            [60., 80., 110.],
            [180., 190., 200.],
            [250., 240., 220.],
            [80., 90., 100.],
            [40., 46., 52.],
        ),
    }
}

/// A deterministic stream of numbers in [0, 1) from a seed.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 24) as f32
    }
}

fn seed_of(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [
        a[0] + (b[0] - a[0]) * t,
        a[1] + (b[1] - a[1]) * t,
        a[2] + (b[2] - a[2]) * t,
    ]
}

/// Paints at half size and enlarges: the shapes are soft anyway, and it keeps
/// loading the demo quick in unoptimised builds.
pub fn paint(scene: &str, seed_text: &str, width: u32, height: u32) -> RgbImage {
    let small = paint_at(scene, seed_text, (width / 2).max(1), (height / 2).max(1));
    image::DynamicImage::ImageRgb8(small)
        .resize_exact(width, height, image::imageops::FilterType::Triangle)
        .to_rgb8()
}

fn paint_at(scene: &str, seed_text: &str, width: u32, height: u32) -> RgbImage {
    let colours = palette(scene);
    let mut noise = Noise(seed_of(seed_text));
    let (w, h) = (width as f32, height as f32);
    let sun = (
        w * (0.2 + 0.6 * noise.next()),
        h * (0.18 + 0.25 * noise.next()),
        h * (0.05 + 0.05 * noise.next()),
    );
    let waves: Vec<(f32, f32, f32)> = (0..4)
        .map(|_| {
            (
                1.0 + noise.next() * 5.0,
                noise.next() * std::f32::consts::TAU,
                0.02 + noise.next() * 0.05,
            )
        })
        .collect();
    let horizon = |x: f32, base: f32, scale: f32| {
        let t = x / w;
        base - waves
            .iter()
            .map(|(f, p, a)| (t * f * std::f32::consts::TAU + p).sin() * a * scale)
            .sum::<f32>()
    };
    let buildings: Vec<(f32, f32, f32)> = if matches!(scene, "city-night" | "parliament" | "harbour" | "market") {
        let mut x = 0.0;
        let mut list = Vec::new();
        while x < w {
            let bw = w * (0.04 + 0.08 * noise.next());
            list.push((x, x + bw, h * (0.35 + 0.3 * noise.next())));
            x += bw + w * 0.01 * noise.next();
        }
        list
    } else {
        Vec::new()
    };
    // Per column and per row values, computed once rather than per pixel.
    let far_line: Vec<f32> = (0..width).map(|x| horizon(x as f32, h * 0.62, h)).collect();
    let near_line: Vec<f32> = (0..width)
        .map(|x| horizon(x as f32 * 1.7 + 300.0, h * 0.78, h * 0.7))
        .collect();
    let sky: Vec<[f32; 3]> = (0..height)
        .map(|y| mix(colours.sky_top, colours.sky_bottom, (y as f32 / h).powf(0.8)))
        .collect();
    let mut grain = Noise(seed_of(seed_text) ^ 0x5555);
    RgbImage::from_fn(width, height, |px, py| {
        let (x, y) = (px as f32, py as f32);
        let mut c = sky[py as usize];
        let d = ((x - sun.0).powi(2) + (y - sun.1).powi(2)).sqrt();
        if d < sun.2 * 4.0 {
            let glow = (1.0 - d / (sun.2 * 4.0)).powi(2) * 0.6;
            c = mix(c, colours.light, if d < sun.2 { 0.95 } else { glow });
        }
        if scene == "portrait" {
            let (cx, cy) = (w * 0.5, h * 0.42);
            let head = ((x - cx) / (w * 0.16)).powi(2) + ((y - cy) / (h * 0.2)).powi(2) < 1.0;
            let shoulders =
                y > h * 0.66 && ((x - cx) / (w * 0.42)).powi(2) + ((y - h * 1.02) / (h * 0.38)).powi(2) < 1.0;
            if head || shoulders {
                c = mix(colours.near, colours.far, y / h * 0.5);
            }
        } else {
            for &(x0, x1, top) in &buildings {
                if x >= x0 && x < x1 && y > top + h * 0.25 {
                    c = colours.far;
                    let lit = ((x - x0) as u32 / 9 + (y as u32) / 13).is_multiple_of(5);
                    if scene == "city-night" && lit && (x - x0) % 9.0 > 3.0 && y % 13.0 > 5.0 {
                        c = mix(c, colours.light, 0.7);
                    }
                }
            }
            if y > far_line[px as usize] {
                c = mix(colours.far, c, 0.25);
            }
            if y > near_line[px as usize] {
                c = mix(colours.near, colours.far, (1.0 - y / h) * 0.6);
            }
            if scene == "stadium" && y > h * 0.7 && ((x / w - 0.5).abs() * 2.0) < (y / h - 0.7) * 3.0 {
                c = mix(c, [240., 240., 240.], 0.15);
            }
            if scene == "laboratory" && (x % (w / 12.0) < 2.0 || y % (h / 8.0) < 2.0) {
                c = mix(c, colours.near, 0.3);
            }
        }
        let g = (grain.next() - 0.5) * 10.0;
        Rgb([
            (c[0] + g).clamp(0.0, 255.0) as u8,
            (c[1] + g).clamp(0.0, 255.0) as u8,
            (c[2] + g).clamp(0.0, 255.0) as u8,
        ])
    })
}
