// Images for the report, encoded as PNG by fast-png and embedded as data URLs.
import { encode } from "fast-png";

/** A PNG data URL of an RGB image stored as CIFAR stores it: three planes, R then G then B. */
export function planarRgbPng(planes: Uint8Array, width: number, height: number): string {
  const plane = width * height;
  const data = new Uint8Array(plane * 3);
  for (let i = 0; i < plane; i++) {
    data[i * 3] = planes[i]!;
    data[i * 3 + 1] = planes[plane + i]!;
    data[i * 3 + 2] = planes[2 * plane + i]!;
  }
  return pngDataUrl(encode({ width, height, data, channels: 3, depth: 8 }));
}

/** `data:image/png;base64,…` of PNG bytes. */
export function pngDataUrl(png: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < png.length; i += 0x8000) {
    binary += String.fromCharCode(...png.subarray(i, i + 0x8000));
  }
  return `data:image/png;base64,${btoa(binary)}`;
}
