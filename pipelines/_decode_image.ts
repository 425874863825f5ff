// Reads a PNG or JPEG file (fast-png, jpeg-js) of any size into CIFAR's layout: R, G and B planes
// of the run's input size, downscaled by area averaging (as the 32×32 CIFAR images were made
// from larger photos) or upscaled bilinearly.
import { decode as decodePng } from "fast-png";
import jpeg from "jpeg-js";
import { CliError } from "./_cli_error.ts";

/** An image decoded to 8-bit RGB, interleaved. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly rgb: Uint8Array;
}

const isPng = (b: Uint8Array) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
const isJpeg = (b: Uint8Array) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

/** Decodes PNG or JPEG bytes to RGB (alpha composited on white); `file` names it in errors. */
export function decodeImage(bytes: Uint8Array, file: string): RgbImage {
  try {
    if (isPng(bytes)) return pngToRgb(decodePng(bytes));
    if (isJpeg(bytes)) {
      const img = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        maxMemoryUsageInMB: 1024,
      });
      return fromChannels(img.width, img.height, img.data, 4, 255);
    }
  } catch (e) {
    throw new CliError(`Cannot read ${file}: not a valid image (${(e as Error).message})`);
  }
  const head = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  throw new CliError(
    `Cannot read ${file}: not a PNG or JPEG image (it starts with bytes ${head || "(empty file)"})`,
  );
}

function pngToRgb(png: ReturnType<typeof decodePng>): RgbImage {
  const max = png.depth === 16 ? 65535 : 255;
  if (png.palette) {
    const idx = png.data;
    const data = new Uint8Array(png.width * png.height * 4);
    for (let i = 0; i < png.width * png.height; i++) {
      const c = png.palette[idx[i]!] ?? [0, 0, 0, 255];
      data.set([c[0]!, c[1]!, c[2]!, c[3] ?? 255], i * 4);
    }
    return fromChannels(png.width, png.height, data, 4, 255);
  }
  return fromChannels(png.width, png.height, png.data, png.channels, max);
}

/** Any of gray, gray+alpha, RGB, RGBA to 8-bit RGB on a white background. */
function fromChannels(
  width: number,
  height: number,
  data: ArrayLike<number>,
  channels: number,
  max: number,
): RgbImage {
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const p = i * channels;
    const gray = channels < 3;
    const alpha = channels === 2 || channels === 4 ? data[p + channels - 1]! / max : 1;
    for (let c = 0; c < 3; c++) {
      const v = data[p + (gray ? 0 : c)]! / max;
      rgb[i * 3 + c] = Math.round((v * alpha + (1 - alpha)) * 255);
    }
  }
  return { width, height, rgb };
}

/** Resizes to `width × height` and returns planar bytes (R plane, G plane, B plane). */
export function toPlanar(img: RgbImage, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  const plane = width * height;
  const sx = img.width / width, sy = img.height / height;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const px = [0, 0, 0];
      if (sx >= 1 && sy >= 1) {
        // Area average over the source pixels this output pixel covers (whole pixels).
        const x0 = Math.floor(x * sx), x1 = Math.max(x0 + 1, Math.floor((x + 1) * sx));
        const y0 = Math.floor(y * sy), y1 = Math.max(y0 + 1, Math.floor((y + 1) * sy));
        for (let yy = y0; yy < y1; yy++) {
          for (let xx = x0; xx < x1; xx++) {
            const s = (yy * img.width + xx) * 3;
            for (let c = 0; c < 3; c++) px[c]! += img.rgb[s + c]!;
          }
        }
        const n = (x1 - x0) * (y1 - y0);
        for (let c = 0; c < 3; c++) px[c] = px[c]! / n;
      } else {
        // Bilinear, pixel centres aligned.
        const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.width - 1);
        const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.height - 1);
        const x0 = Math.floor(fx), y0 = Math.floor(fy);
        const x1 = Math.min(x0 + 1, img.width - 1), y1 = Math.min(y0 + 1, img.height - 1);
        const ax = fx - x0, ay = fy - y0;
        for (let c = 0; c < 3; c++) {
          const at = (xx: number, yy: number) => img.rgb[(yy * img.width + xx) * 3 + c]!;
          px[c] = (at(x0, y0) * (1 - ax) + at(x1, y0) * ax) * (1 - ay) +
            (at(x0, y1) * (1 - ax) + at(x1, y1) * ax) * ay;
        }
      }
      for (let c = 0; c < 3; c++) out[c * plane + y * width + x] = Math.round(px[c]!);
    }
  }
  return out;
}
