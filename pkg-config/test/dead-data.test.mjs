// The build's dead-data step (pkg-config/dead-data.mjs, demangle.mjs): demangling as wasm-bindgen names
// functions, and the data it zeroes in the module as the linker wrote it (target/, left by build.mjs).
// Run from pkg-config/test: node --test dead-data.test.mjs   (build first: node pkg-config/build.mjs)
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { demangle } from "../demangle.mjs";
import { dataSegments, deadData, withoutSections, zeroData } from "../dead-data.mjs";
import { isPanicOrFormatting } from "../snip.mjs";

const linkedPath = fileURLToPath(new URL("../../target/wasm32-unknown-unknown/wasm-release/persona_edge.wasm", import.meta.url));

test("demangles legacy and v0 symbols as rustc-demangle does (crate disambiguators left out)", () => {
  const cases = {
    _ZN12persona_edge5rules4text11push_number17hc285b0dffa68830aE: "persona_edge::rules::text::push_number",
    "_ZN101_$LT$persona_edge..wasm..engine..EngineCore$u20$as$u20$wasm_bindgen..convert..traits..IntoWasmAbi$GT$8into_abi17h0123456789abcdefE":
      "<persona_edge::wasm::engine::EngineCore as wasm_bindgen::convert::traits::IntoWasmAbi>::into_abi",
    _RNvNtCsgXGp5Oqx2Ny_4core9panicking18panic_bounds_check: "core::panicking::panic_bounds_check",
    _RNvMNtCsgXGp5Oqx2Ny_4core3fmtNtB2_9Formatter3pad: "<core::fmt::Formatter>::pad",
    _RNvXs8_NtNtNtCsgXGp5Oqx2Ny_4core3fmt3num3impmNtB9_7Display3fmt: "<u32 as core::fmt::Display>::fmt",
    __rust_alloc: "__rust_alloc",
  };
  for (const [mangled, want] of Object.entries(cases)) assert.equal(demangle(mangled), want, mangled);
  assert.equal(demangle("_Rnot-a-symbol"), "_Rnot-a-symbol", "a name that does not parse stays as it is");
});

test("zeroes the panic messages and formatting tables only snipped functions read, and keeps live data", { skip: !existsSync(linkedPath) && "build first" }, () => {
  const linked = readFileSync(linkedPath);
  const dead = deadData(linked, isPanicOrFormatting);
  assert.ok(dead.snipped.includes("core::panicking::panic_bounds_check"));
  for (const name of dead.snipped) assert.ok(isPanicOrFormatting(name), name);
  assert.ok(dead.bytes > 2000, `${dead.bytes} bytes dead`);

  const bare = withoutSections(linked, (n) => n === "linking" || n.startsWith("reloc."));
  const zeroed = zeroData(bare, linked, dead.ranges);
  const text = (bytes) =>
    Buffer.concat(dataSegments(bytes).map((s) => bytes.subarray(s.start, s.end))).toString("latin1");
  const before = text(bare);
  const after = text(zeroed);
  // What only panics and formatting read is gone ...
  for (const gone of ["index out of bounds: the len is", "called `Option::unwrap()` on a `None` value", "0001020304050607"]) {
    assert.ok(before.includes(gone), `the linked module has ${gone}`);
    assert.ok(!after.includes(gone), `${gone} is zeroed`);
  }
  // ... what decisions and refusals use stays (vocabulary the module hands to JS, error codes).
  for (const kept of ["unknown_key", "tampered", "promotional", "email", "sms"]) {
    assert.ok(after.includes(kept), `${kept} is kept`);
  }
  // The data layout is checked: a module whose data moved is refused.
  const moved = Buffer.from(bare);
  const [seg] = dataSegments(moved).filter((s) => s.address !== null);
  const [from] = dead.ranges.find(([a]) => a >= seg.address && a < seg.address + (seg.end - seg.start)) ?? [];
  if (from !== undefined) {
    moved[seg.start + (from - seg.address)] ^= 0xff;
    assert.throws(() => zeroData(moved, linked, dead.ranges), /moved between linking and binding/);
  }
});
