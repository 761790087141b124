// Rust symbol demangling (legacy `_ZN...E` and v0 `_R...`) for the names in a linked wasm module, so that
// dead-data.mjs can apply snip.mjs's rule (written against demangled names, which wasm-bindgen emits) to
// the module as the linker wrote it. Crate disambiguators are left out (snip.mjs strips them anyway); the
// build checks that this gives the same snipped set as wasm-bindgen's own names (see build.mjs).

const LEGACY_ESCAPES = {
  $SP$: "@", $BP$: "*", $RF$: "&", $LT$: "<", $GT$: ">", $LP$: "(", $RP$: ")", $C$: ",",
};

function legacy(name) {
  let i = 3; // after _ZN
  const parts = [];
  while (i < name.length && name[i] !== "E") {
    const m = /^\d+/.exec(name.slice(i));
    if (!m) return null;
    const len = Number(m[0]);
    i += m[0].length;
    parts.push(name.slice(i, i + len));
    i += len;
  }
  if (parts.length > 1 && /^h[0-9a-f]{16}$/.test(parts[parts.length - 1])) parts.pop();
  return parts
    .map((p) =>
      p
        .replace(/^_\$/, "$")
        .replace(/\$(SP|BP|RF|LT|GT|LP|RP|C)\$/g, (e) => LEGACY_ESCAPES[e])
        .replace(/\$u([0-9a-f]+)\$/g, (_, hex) => String.fromCodePoint(parseInt(hex, 16)))
        .replace(/\.\./g, "::"),
    )
    .join("::");
}

const BASIC = {
  a: "i8", b: "bool", c: "char", d: "f64", e: "str", f: "f32", h: "u8", i: "isize", j: "usize", l: "i32",
  m: "u32", n: "i128", o: "u128", s: "i16", t: "u16", u: "()", v: "...", x: "i64", y: "u64", z: "!", p: "_",
};

/** A v0 demangler (the grammar of RFC 2603), printing paths and types as rustc-demangle does. */
class V0 {
  constructor(s) {
    this.s = s;
    this.i = 2; // after _R
  }
  peek() {
    return this.s[this.i];
  }
  next() {
    return this.s[this.i++];
  }
  eat(c) {
    if (this.s[this.i] === c) {
      this.i++;
      return true;
    }
    return false;
  }
  base62() {
    if (this.eat("_")) return 0;
    let x = 0;
    for (;;) {
      const c = this.next();
      if (c === "_") return x + 1;
      const d = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".indexOf(c);
      if (d < 0) throw new Error("base62");
      x = x * 62 + d;
    }
  }
  disambiguator() {
    if (this.eat("s")) this.base62();
  }
  backref(f) {
    const target = this.base62() + 2;
    const saved = this.i;
    this.i = target;
    const out = f();
    this.i = saved;
    return out;
  }
  path(inValue = true) {
    const c = this.next();
    switch (c) {
      case "C":
        this.disambiguator();
        return this.identNoDis();
      case "M": {
        this.disambiguator();
        this.path();
        return `<${this.type()}>`;
      }
      case "X": {
        this.disambiguator();
        this.path();
        const type = this.type();
        return `<${type} as ${this.path(false)}>`;
      }
      case "Y": {
        const type = this.type();
        return `<${type} as ${this.path(false)}>`;
      }
      case "N": {
        const ns = this.next();
        const parent = this.path(inValue);
        const dis = this.peek() === "s" ? (this.i++, this.base62()) : 0;
        const name = this.identNoDis();
        if (ns === "C") return `${parent}::{closure#${dis}}`;
        if (ns >= "A" && ns <= "Z") return `${parent}::{${ns === "S" ? "shim" : ns}:${name}#${dis}}`;
        return `${parent}::${name}`;
      }
      case "I": {
        const base = this.path(inValue);
        const args = [];
        while (!this.eat("E")) args.push(this.genericArg());
        return `${base}${inValue ? "::" : ""}<${args.join(", ")}>`;
      }
      case "B":
        return this.backref(() => this.path(inValue));
      default:
        throw new Error(`path ${c}`);
    }
  }
  identNoDis() {
    this.eat("u");
    const m = /^\d+/.exec(this.s.slice(this.i));
    if (!m) throw new Error("identifier");
    this.i += m[0].length;
    this.eat("_");
    const len = Number(m[0]);
    const text = this.s.slice(this.i, this.i + len);
    this.i += len;
    return text;
  }
  genericArg() {
    if (this.eat("L")) {
      this.base62();
      return "'_";
    }
    if (this.eat("K")) return this.constant();
    return this.type();
  }
  constant() {
    if (this.eat("B")) return this.backref(() => this.constant());
    if (this.eat("p")) return "_";
    const type = this.next();
    let neg = false;
    if (type === "a" || type === "s" || type === "l" || type === "x" || type === "n" || type === "i") neg = this.eat("n");
    let hex = "";
    while (this.peek() !== "_") hex += this.next();
    this.next();
    if (type === "b") return hex === "1" ? "true" : "false";
    const value = hex === "" ? 0n : BigInt(`0x${hex}`);
    return `${neg ? "-" : ""}${value}`;
  }
  lifetimeOpt() {
    if (this.eat("L")) this.base62();
  }
  binder() {
    if (this.eat("G")) this.base62();
  }
  type() {
    const c = this.next();
    if (BASIC[c]) return BASIC[c];
    switch (c) {
      case "R":
        this.lifetimeOpt();
        return `&${this.type()}`;
      case "Q":
        this.lifetimeOpt();
        return `&mut ${this.type()}`;
      case "P":
        return `*const ${this.type()}`;
      case "O":
        return `*mut ${this.type()}`;
      case "A": {
        const t = this.type();
        return `[${t}; ${this.constant()}]`;
      }
      case "S":
        return `[${this.type()}]`;
      case "T": {
        const items = [];
        while (!this.eat("E")) items.push(this.type());
        return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
      }
      case "F": {
        this.binder();
        const unsafe = this.eat("U");
        let abi = "";
        if (this.eat("K")) abi = this.eat("C") ? 'extern "C" ' : `extern "${this.identNoDis().replace(/_/g, "-")}" `;
        const params = [];
        while (!this.eat("E")) params.push(this.type());
        const ret = this.type();
        return `${unsafe ? "unsafe " : ""}${abi}fn(${params.join(", ")})${ret === "()" ? "" : ` -> ${ret}`}`;
      }
      case "D": {
        this.binder();
        const traits = [];
        while (!this.eat("E")) {
          let t = this.path(false);
          const assoc = [];
          while (this.eat("p")) {
            const name = this.identNoDis();
            assoc.push(`${name} = ${this.type()}`);
          }
          if (assoc.length) t = t.endsWith(">") ? `${t.slice(0, -1)}, ${assoc.join(", ")}>` : `${t}<${assoc.join(", ")}>`;
          traits.push(t);
        }
        this.lifetimeOpt();
        return `dyn ${traits.join(" + ")}`;
      }
      case "B":
        return this.backref(() => this.type());
      default:
        this.i--;
        return this.path(false);
    }
  }
}

/** The demangled form of a Rust symbol name, crate disambiguators left out; other names unchanged. */
export function demangle(name) {
  const bare = name.replace(/\.llvm\.\d+$/, "");
  try {
    if (bare.startsWith("_ZN")) return legacy(bare) ?? name;
    if (bare.startsWith("_R")) {
      const v0 = new V0(bare);
      if (/^\d/.test(v0.peek())) v0.i++; // encoding version
      return v0.path();
    }
  } catch {
    return name;
  }
  return name;
}
