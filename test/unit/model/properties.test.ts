/** Property-based tests: the loader's promises hold for inputs nobody wrote down. */
import fc from "fast-check";
import { checkSpec, parseSpec } from "../../../model/load";
import { closest, editDistance } from "../../../model/suggest";
import schema from "../../../model/platform.schema.json";
import { BASE, edit } from "./fixtures";

const dnsLabel = fc.stringMatching(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/);
const APP_KEYS = Object.keys(schema.$defs.app.properties);
const ALPHABET = "abcdefghijklmnopqrstuvwxyz";

/** One single-character edit (substitute, delete, insert or swap) of `word`. */
const typoOf = (word: string) =>
  fc
    .tuple(
      fc.nat({ max: word.length - 1 }),
      fc.constantFrom(...ALPHABET),
      fc.constantFrom("sub", "del", "ins", "swap"),
    )
    .map(([i, c, op]) => {
      if (op === "sub") return word.slice(0, i) + c + word.slice(i + 1);
      if (op === "del") return word.slice(0, i) + word.slice(i + 1);
      if (op === "ins") return word.slice(0, i) + c + word.slice(i);
      const j = Math.min(i + 1, word.length - 1);
      return word.slice(0, i) + word[j] + word[i] + word.slice(j + 1);
    });

describe("properties", () => {
  test("any DNS-label app name round-trips through parse", () => {
    fc.assert(
      fc.property(fc.oneof(dnsLabel, fc.constantFrom("null", "true", "on", "e1", "inf")), (name) => {
        const spec = parseSpec(edit(BASE, "  checkout:", `  ${name}:`), "spec.yaml");
        expect(Object.keys(spec.apps ?? {})).toEqual([name]);
        expect(spec.apps?.[name].tenant).toBe("payments");
      }),
      { numRuns: 150 },
    );
  });

  test("a name that is not a DNS label is reported at its key", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Z][A-Za-z0-9_]{0,10}$/), (name) => {
        const problems = checkSpec(edit(BASE, "  checkout:", `  ${name}:`), "spec.yaml").problems;
        expect(problems[0]).toMatchObject({ line: 18, col: 3, path: `apps.${name}` });
        expect(problems[0].message).toContain("DNS-1123 label");
      }),
      { numRuns: 100 },
    );
  });

  test("a single-character typo of an app key is answered with that key", () => {
    const keyAndTypo = fc
      .constantFrom(...APP_KEYS)
      .chain((key) => typoOf(key).map((typo) => ({ key, typo })))
      .filter(({ typo }) => typo.length >= 3 && !APP_KEYS.includes(typo) && /^[a-z]/i.test(typo));
    fc.assert(
      fc.property(keyAndTypo, ({ key, typo }) => {
        const suggestion = closest(typo, APP_KEYS);
        const nearest = Math.min(...APP_KEYS.map((k) => editDistance(typo.toLowerCase(), k.toLowerCase())));
        const unique = APP_KEYS.filter((k) => editDistance(typo.toLowerCase(), k.toLowerCase()) === nearest);
        // The true key when it is the only nearest one; otherwise one of the equally near keys.
        expect(unique.length === 1 ? [key] : unique).toContain(suggestion);

        const problems = checkSpec(
          edit(BASE, "    port: 8080", `    port: 8080\n    ${typo}: 1`),
          "spec.yaml",
        ).problems;
        expect(problems).toContainEqual(
          expect.objectContaining({
            line: 25,
            col: 5,
            message: `unknown key "${typo}"; did you mean "${suggestion}"?`,
          }),
        );
      }),
      { numRuns: 200 },
    );
  });

  test("every reported line:col points inside the text, and problems are sorted", () => {
    const lines = BASE.split("\n");
    const mutation = fc.oneof(
      fc
        .tuple(fc.nat({ max: BASE.length - 1 }), fc.constant(""))
        .map(([i]) => BASE.slice(0, i) + BASE.slice(i + 1)),
      fc
        .tuple(fc.nat({ max: BASE.length }), fc.constantFrom(":", "[", "{", " ", "-", "x", "\n", '"', "0"))
        .map(([i, c]) => BASE.slice(0, i) + c + BASE.slice(i)),
      fc
        .tuple(fc.nat({ max: lines.length - 1 }), fc.string({ maxLength: 30 }))
        .map(([i, s]) => [...lines.slice(0, i), s, ...lines.slice(i + 1)].join("\n")),
    );
    fc.assert(
      fc.property(mutation, (text) => {
        const textLines = text.split("\n");
        const problems = checkSpec(text, "spec.yaml").problems;
        for (const p of problems) {
          expect(p.line).toBeGreaterThanOrEqual(1);
          expect(p.line).toBeLessThanOrEqual(textLines.length);
          expect(p.col).toBeGreaterThanOrEqual(1);
          expect(p.col).toBeLessThanOrEqual(textLines[p.line - 1].length + 1);
          expect(p.message.length).toBeGreaterThan(0);
        }
        const order = problems.map((p) => p.line * 10000 + p.col);
        expect(order).toEqual([...order].sort((a, b) => a - b));
      }),
      { numRuns: 300 },
    );
  });
});
