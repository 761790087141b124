// Dead data after the snip (snip.mjs): the panic messages, source paths, `core::fmt` tables and Unicode
// tables that only the snipped functions read stay in the module's data segments, because wasm-opt cannot
// tell which bytes of linear memory are read. The linker can: the module is linked with `--emit-relocs`, so
// it carries the linker's symbol table (every data object's segment, offset and size) and every relocation
// (which function or data object refers to which symbol). This file walks that graph from the exports,
// with the snipped functions' bodies left out, and zeroes the bytes of every data object nothing live
// refers to; wasm-opt's memory packing then drops the zero runs.
//
// Sound by construction: a byte is zeroed only when it belongs to a data symbol that no live function and
// no live data refers to (addends included, whatever they point at), and to no live symbol (merged strings
// may overlap). Bytes outside every symbol are kept. The package's tests run on the result.

import { demangle } from "./demangle.mjs";

/** A cursor over wasm bytes (LEB128 and raw reads). */
class Cursor {
  constructor(bytes, pos = 0) {
    this.b = bytes;
    this.p = pos;
  }
  u8() {
    return this.b[this.p++];
  }
  u32() {
    let result = 0;
    let shift = 0;
    for (;;) {
      const byte = this.b[this.p++];
      result += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(byte & 0x80)) return result;
    }
  }
  s32() {
    let result = 0;
    let shift = 0;
    let byte;
    do {
      byte = this.b[this.p++];
      result |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    return shift < 32 && byte & 0x40 ? result | (-1 << shift) : result;
  }
  name() {
    const len = this.u32();
    const text = new TextDecoder().decode(this.b.subarray(this.p, this.p + len));
    this.p += len;
    return text;
  }
}

/** The sections of a module: `{ id, name, start, end }` (start/end of the payload; name for custom ones). */
export function sections(bytes) {
  const out = [];
  const c = new Cursor(bytes, 8);
  while (c.p < bytes.length) {
    const sectionStart = c.p;
    const id = c.u8();
    const size = c.u32();
    const start = c.p;
    const end = start + size;
    let name = null;
    let contentStart = start;
    if (id === 0) {
      name = c.name();
      contentStart = c.p;
    }
    out.push({ id, name, sectionStart, start, contentStart, end });
    c.p = end;
  }
  return out;
}

/** The module without its custom sections named in `drop` (the linker's `linking` and `reloc.*`). */
export function withoutSections(bytes, drop) {
  const parts = [bytes.subarray(0, 8)];
  for (const s of sections(bytes)) {
    if (s.id === 0 && drop(s.name)) continue;
    parts.push(bytes.subarray(s.sectionStart, s.end));
  }
  return Buffer.concat(parts);
}

/** The active data segments: `{ address, start, end }` (their payload's position in `bytes`). */
export function dataSegments(bytes) {
  const section = sections(bytes).find((s) => s.id === 11);
  if (!section) return [];
  const c = new Cursor(bytes, section.start);
  const out = [];
  for (let n = c.u32(); n > 0; n--) {
    const flags = c.u32();
    let address = null;
    if (flags === 2) c.u32(); // memory index
    if (flags === 0 || flags === 2) {
      if (c.u8() !== 0x41) throw new Error("dead-data: a data segment offset that is not i32.const");
      address = c.s32() >>> 0;
      if (c.u8() !== 0x0b) throw new Error("dead-data: a data segment offset expression longer than one i32.const");
    }
    const size = c.u32();
    out.push({ address, start: c.p, end: c.p + size });
    c.p += size;
  }
  return out;
}

// Relocation types that carry an addend (tool-conventions, Linking.md).
const WITH_ADDEND = new Set([3, 4, 5, 8, 9, 11, 14, 15, 16, 17, 21, 22, 23, 25]);
const SYM_FUNCTION = 0;
const SYM_DATA = 1;
const SYM_UNDEFINED = 0x10;
const SYM_EXPLICIT_NAME = 0x40;
const SYM_ABSOLUTE = 0x200;

/** The linker's symbol table: `{ kind, flags, index?, name?, segment?, offset?, size? }` per symbol. */
function symbolTable(bytes, linking) {
  const c = new Cursor(bytes, linking.contentStart);
  const version = c.u32();
  if (version !== 2) throw new Error(`dead-data: linking section version ${version}, not 2`);
  while (c.p < linking.end) {
    const type = c.u8();
    const size = c.u32();
    const end = c.p + size;
    if (type !== 8) {
      c.p = end;
      continue;
    }
    const symbols = [];
    for (let n = c.u32(); n > 0; n--) {
      const kind = c.u8();
      const flags = c.u32();
      const sym = { kind, flags };
      if (kind === SYM_DATA) {
        sym.name = c.name();
        if (!(flags & SYM_UNDEFINED)) {
          if (flags & SYM_ABSOLUTE) throw new Error(`dead-data: absolute data symbol ${sym.name}`);
          sym.segment = c.u32();
          sym.offset = c.u32();
          sym.size = c.u32();
        }
      } else if (kind === 3) {
        sym.index = c.u32(); // a section
      } else {
        sym.index = c.u32();
        if (!(flags & SYM_UNDEFINED) || flags & SYM_EXPLICIT_NAME) sym.name = c.name();
      }
      symbols.push(sym);
    }
    return symbols;
  }
  throw new Error("dead-data: the linking section has no symbol table (link with --emit-relocs)");
}

/** Relocations of one `reloc.*` section: `{ section, entries: [{ type, offset, symbol, addend }] }`. */
function relocations(bytes, reloc) {
  const c = new Cursor(bytes, reloc.contentStart);
  const section = c.u32();
  const entries = [];
  for (let n = c.u32(); n > 0; n--) {
    const type = c.u8();
    const offset = c.u32();
    const symbol = c.u32();
    const addend = WITH_ADDEND.has(type) ? c.s32() : 0;
    entries.push({ type, offset, symbol, addend });
  }
  return { section, entries };
}

/** Function names by index (the name section). */
function functionNames(bytes, all) {
  const names = new Map();
  const section = all.find((s) => s.id === 0 && s.name === "name");
  if (!section) throw new Error("dead-data: no name section");
  const c = new Cursor(bytes, section.contentStart);
  while (c.p < section.end) {
    const type = c.u8();
    const size = c.u32();
    const end = c.p + size;
    if (type === 1) {
      for (let n = c.u32(); n > 0; n--) {
        const index = c.u32();
        names.set(index, c.name());
      }
    }
    c.p = end;
  }
  return names;
}

/** The parameter count of every function, by index (imports first). */
function parameterCounts(bytes, all) {
  const types = [];
  const typeSection = all.find((s) => s.id === 1);
  if (typeSection) {
    const c = new Cursor(bytes, typeSection.start);
    for (let n = c.u32(); n > 0; n--) {
      if (c.u8() !== 0x60) throw new Error("dead-data: a type that is not a function type");
      const params = c.u32();
      c.p += params;
      const results = c.u32();
      c.p += results;
      types.push(params);
    }
  }
  const counts = importedFunctionTypes(bytes, all).map((t) => types[t]);
  const functions = all.find((s) => s.id === 3);
  if (functions) {
    const c = new Cursor(bytes, functions.start);
    for (let n = c.u32(); n > 0; n--) counts.push(types[c.u32()]);
  }
  return counts;
}

/**
 * Whether the `i32.const` whose immediate starts at `pos` is an argument of a call to a snipped function:
 * only pure pushes (constants, local.get, global.get) follow it up to a `call` that takes it. The
 * `#[track_caller]` location and the message of a panic are passed that way; the call traps at once.
 */
function isArgumentOfSnippedCall(bytes, pos, snipped, params) {
  const c = new Cursor(bytes, pos);
  c.s32();
  let above = 0;
  for (;;) {
    const op = c.u8();
    if (op === 0x41) c.s32();
    else if (op === 0x42) {
      while (bytes[c.p++] & 0x80);
    } else if (op === 0x20 || op === 0x23) c.u32();
    else if (op === 0x43) c.p += 4;
    else if (op === 0x44) c.p += 8;
    else if (op === 0x10) {
      const fn = c.u32();
      return snipped(fn) && above < params[fn];
    } else return false;
    above++;
  }
}

/** The type index of every imported function, in import order (other imports skipped). */
function importedFunctionTypes(bytes, all) {
  const out = [];
  const section = all.find((s) => s.id === 2);
  if (!section) return out;
  const c = new Cursor(bytes, section.start);
  const limits = () => {
    const flags = c.u8();
    c.u32();
    if (flags & 1) c.u32();
  };
  for (let n = c.u32(); n > 0; n--) {
    c.name();
    c.name();
    const kind = c.u8();
    if (kind === 0) out.push(c.u32());
    else if (kind === 1) {
      c.u8(); // table: element type, limits
      limits();
    } else if (kind === 2) limits(); // memory
    else if (kind === 3) c.p += 2; // global: value type, mutability
    else {
      c.u8(); // tag: attribute, type
      c.u32();
    }
  }
  return out;
}

function exportedFunctions(bytes, all) {
  const section = all.find((s) => s.id === 7);
  const out = [];
  if (!section) return out;
  const c = new Cursor(bytes, section.start);
  for (let n = c.u32(); n > 0; n--) {
    c.name();
    const kind = c.u8();
    const index = c.u32();
    if (kind === 0) out.push(index);
  }
  return out;
}

/**
 * The dead data of a module linked with `--emit-relocs`, once the functions `isSnipped(demangled name)`
 * selects have no body: `{ ranges: [[address, end]...], bytes, symbols, snipped }` (absolute addresses,
 * merged and sorted; the dead symbols' names; the snipped functions' demangled names).
 */
export function deadData(bytes, isSnipped) {
  const all = sections(bytes);
  const linking = all.find((s) => s.id === 0 && s.name === "linking");
  if (!linking) throw new Error("dead-data: no linking section (link with --emit-relocs)");
  const symbols = symbolTable(bytes, linking);
  const names = functionNames(bytes, all);
  const imported = importedFunctionTypes(bytes, all).length;
  const segments = dataSegments(bytes);
  const params = parameterCounts(bytes, all);
  const snippedSet = new Set();
  for (const [fn, name] of names) if (isSnipped(demangle(name))) snippedSet.add(fn);
  const snipped = (fn) => snippedSet.has(fn);

  // Function bodies: [start, end) of each body (offsets from the code section's payload start).
  const code = all.find((s) => s.id === 10);
  const bodies = [];
  {
    const c = new Cursor(bytes, code.start);
    for (let n = c.u32(), i = 0; i < n; i++) {
      const size = c.u32();
      bodies.push({ fn: imported + i, start: c.p - code.start, end: c.p - code.start + size });
      c.p += size;
    }
  }
  const bodyAt = (offset) => {
    let lo = 0;
    let hi = bodies.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (offset < bodies[mid].start) hi = mid - 1;
      else if (offset >= bodies[mid].end) lo = mid + 1;
      else return bodies[mid].fn;
    }
    throw new Error(`dead-data: a code relocation at ${offset} outside every function body`);
  };

  // Graph nodes: "f<index>" for functions, "d<symbol>" for defined data symbols.
  const functionSymbol = (sym) => `f${sym.index}`;
  const edges = new Map();
  const edge = (from, to) => {
    if (!edges.has(from)) edges.set(from, []);
    edges.get(from).push(to);
  };
  const target = (symIndex) => {
    const sym = symbols[symIndex];
    if (sym.kind === SYM_FUNCTION) return functionSymbol(sym);
    if (sym.kind === SYM_DATA && sym.segment !== undefined) return `d${symIndex}`;
    return null; // globals, tables, sections, undefined data: not data bytes
  };

  // Data symbols by absolute address, to find which object a data relocation sits in.
  const dataSymbols = [];
  symbols.forEach((sym, i) => {
    if (sym.kind !== SYM_DATA || sym.segment === undefined) return;
    const seg = segments[sym.segment];
    if (!seg || seg.address === null) throw new Error(`dead-data: symbol ${sym.name} in a passive segment`);
    dataSymbols.push({ i, address: seg.address + sym.offset, end: seg.address + sym.offset + sym.size, name: sym.name });
  });
  const dataSection = all.find((s) => s.id === 11);
  const segmentOfOffset = (offset) => {
    const abs = dataSection.start + offset;
    const seg = segments.find((s) => abs >= s.start && abs < s.end);
    if (!seg) throw new Error(`dead-data: a data relocation at ${offset} outside every segment`);
    return seg.address + (abs - seg.start);
  };

  for (const s of all.filter((x) => x.id === 0 && x.name.startsWith("reloc."))) {
    const { section, entries } = relocations(bytes, s);
    const applies = all[section];
    if (applies.id === 10) {
      for (const r of entries) {
        const to = target(r.symbol);
        if (!to) continue;
        // An address passed straight to a snipped function is never read (R_WASM_MEMORY_ADDR_SLEB of an
        // i32.const).
        const at = code.start + r.offset;
        if (r.type === 4 && bytes[at - 1] === 0x41 && isArgumentOfSnippedCall(bytes, at, snipped, params)) continue;
        edge(`f${bodyAt(r.offset)}`, to);
      }
    } else if (applies.id === 11) {
      for (const r of entries) {
        const to = target(r.symbol);
        if (!to) continue;
        const address = segmentOfOffset(r.offset);
        const holders = dataSymbols.filter((d) => address >= d.address && address < d.end);
        // A pointer in bytes no symbol describes keeps its target alive (no node to hang it on).
        if (holders.length === 0) edge("root", to);
        for (const d of holders) edge(`d${d.i}`, to);
      }
    } else {
      throw new Error(`dead-data: relocations for section ${section} (${applies.name ?? applies.id})`);
    }
  }

  // Reachability from the exports; a snipped function refers to nothing.
  const live = new Set();
  const stack = ["root", ...exportedFunctions(bytes, all).map((f) => `f${f}`)];
  while (stack.length) {
    const node = stack.pop();
    if (live.has(node)) continue;
    live.add(node);
    if (node.startsWith("f") && snipped(Number(node.slice(1)))) continue;
    for (const next of edges.get(node) ?? []) stack.push(next);
  }

  const liveRanges = dataSymbols.filter((d) => live.has(`d${d.i}`));
  const dead = dataSymbols.filter((d) => !live.has(`d${d.i}`) && d.end > d.address);
  // Dead bytes minus every live symbol's bytes.
  const covered = (address) => liveRanges.some((d) => address >= d.address && address < d.end);
  const byteSet = new Set();
  for (const d of dead) for (let a = d.address; a < d.end; a++) if (!covered(a)) byteSet.add(a);
  const sorted = [...byteSet].sort((a, b) => a - b);
  const ranges = [];
  for (const a of sorted) {
    const last = ranges[ranges.length - 1];
    if (last && last[1] === a) last[1] = a + 1;
    else ranges.push([a, a + 1]);
  }
  return {
    ranges,
    bytes: sorted.length,
    symbols: dead.map((d) => d.name),
    snipped: [...snippedSet].map((fn) => demangle(names.get(fn))),
  };
}

/**
 * Zeroes `ranges` in `bytes` (a module with the same data layout, e.g. after wasm-bindgen), after checking
 * that its data at those addresses is the data of `linked`: a build whose layout moved fails here.
 */
export function zeroData(bytes, linked, ranges) {
  const out = Buffer.from(bytes);
  const here = dataSegments(out);
  const there = dataSegments(linked);
  const locate = (segs, buffer, address) => {
    const seg = segs.find((s) => s.address !== null && address >= s.address && address < s.address + (s.end - s.start));
    return seg ? seg.start + (address - seg.address) : -1;
  };
  for (const [from, to] of ranges) {
    for (let a = from; a < to; a++) {
      const i = locate(here, out, a);
      const j = locate(there, linked, a);
      if (j < 0) throw new Error(`dead-data: address ${a} is not in the linked module's data`);
      if (i < 0) continue; // already dropped (a zero run)
      if (out[i] !== linked[j]) throw new Error(`dead-data: the data at ${a} moved between linking and binding`);
      out[i] = 0;
    }
  }
  return out;
}
