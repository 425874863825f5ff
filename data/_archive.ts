// Reads a CIFAR-10 .tar.gz safely: only the known members of cifar-10-batches-bin/ are accepted;
// links, absolute paths, `..` and anything unexpected are rejected before a byte is used.
import { basename } from "node:path";
import { ARCHIVE_MEMBERS, BATCH_DIR } from "./constants.ts";
import { DataError, type DataProblem } from "./errors.ts";
import { readTar, TarFormatError } from "./_tar.ts";

/** Checks a member name; returns the file name inside BATCH_DIR, "" for the folder, or a problem. */
export function classifyMember(
  name: string,
  kind: string,
  archive: string,
  offset: number,
): { member: string } | { problem: DataProblem } {
  const file = `${archive}: ${JSON.stringify(name)}`;
  const clean = name.replace(/^(\.\/)+/, "");
  const parts = clean.split("/").filter((p) => p !== "");
  if (
    name.startsWith("/") || /^[A-Za-z]:/.test(name) || parts.includes("..") || name.includes("\\")
  ) {
    return { problem: { file, offset, message: "escapes the target folder" } };
  }
  if (kind === "link") {
    return { problem: { file, offset, message: "is a link (links are not extracted)" } };
  }
  if (parts.length === 1 && parts[0] === BATCH_DIR && kind === "directory") return { member: "" };
  if (
    parts.length === 2 && parts[0] === BATCH_DIR && kind === "file" &&
    ARCHIVE_MEMBERS.includes(parts[1]!)
  ) {
    return { member: parts[1]! };
  }
  return {
    problem: {
      file,
      offset,
      message: `is not a CIFAR-10 member (expected ${BATCH_DIR}/ with ${
        ARCHIVE_MEMBERS.join(", ")
      })`,
    },
  };
}

/** Streams a .tar.gz (file path) and returns the bodies of the wanted members. */
export async function readArchive(
  path: string,
  wanted: (member: string) => boolean,
): Promise<Map<string, Uint8Array>> {
  const label = basename(path);
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (e) {
    throw new DataError([{ file: path, message: `cannot be opened (${(e as Error).message})` }]);
  }
  const stream = file.readable.pipeThrough(new DecompressionStream("gzip"));
  const out = new Map<string, Uint8Array>();
  const problems: DataProblem[] = [];
  let member = "";
  let memberOffset = 0;
  try {
    for await (const entry of readTar(stream)) {
      const c = classifyMember(entry.name, entry.kind, label, entry.offset);
      if ("problem" in c) {
        problems.push(c.problem);
        continue;
      }
      if (c.member === "" || !wanted(c.member)) continue;
      member = c.member;
      memberOffset = entry.offset + 512;
      out.set(c.member, await entry.body());
      member = "";
    }
  } catch (e) {
    if (e instanceof TarFormatError) {
      const where = member ? `${label}: ${BATCH_DIR}/${member}` : label;
      const offset = member ? Math.max(0, e.offset - memberOffset) : e.offset;
      problems.push({ file: where, offset, message: e.message });
    } else if (e instanceof TypeError || (e as Error).name === "TypeError") {
      problems.push({
        file: label,
        message: `is not a valid gzip stream (${(e as Error).message})`,
      });
    } else {
      throw e;
    }
  }
  if (problems.length) throw new DataError(problems);
  return out;
}
