// Parses HCL files with HashiCorp's own HCL2 parser (@cdktf/hcl2json, Go
// compiled to WebAssembly). Input on stdin: a JSON object {name: text}.
// Output: {name: {"ok": json} | {"error": message}}.
const { parse } = require("@cdktf/hcl2json");

let input = "";
process.stdin.on("data", (c) => (input += c));
process.stdin.on("end", async () => {
  const files = JSON.parse(input);
  const out = {};
  for (const [name, text] of Object.entries(files)) {
    try {
      out[name] = { ok: await parse(name, text) };
    } catch (e) {
      out[name] = { error: String(e && e.message ? e.message : e) };
    }
  }
  process.stdout.write(JSON.stringify(out));
});
