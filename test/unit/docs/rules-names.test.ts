/**
 * docs/rules.md names the code that implements each rule: a reader greps a name and finds it.
 * Every "`name`, `other` and `third` in `path.ts`" must be declared in that file, and every name
 * in an "Implemented by" paragraph must be declared (or be a string the code uses: a status, a
 * rule's id) somewhere in the code.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../../../", import.meta.url).pathname;
const CODE_DIRS = ["domain", "functions", "infra", "cdk", "local"];
const IDENTIFIER = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)?$/;

const doc = readFileSync(join(ROOT, "docs/rules.md"), "utf8");

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(dir, f));
}
const codeFiles = CODE_DIRS.flatMap(sources);
const text = new Map(codeFiles.map((f) => [f, readFileSync(join(ROOT, f), "utf8")]));

const quoted = (s: string) => s.replace(/[$]/g, "\\$");

/** A top-level declaration of `name` in `source` (function, const, class, type) or a re-export. */
function declaresTopLevel(source: string, name: string): boolean {
  const n = quoted(name);
  return [
    new RegExp(
      `^(export\\s+)?(declare\\s+)?(async\\s+)?(function\\*?|const|let|class|interface|type|enum)\\s+${n}\\b`,
      "m",
    ),
    new RegExp(`^export\\s*(type\\s*)?\\{[^}]*\\b${n}\\b[^}]*\\}`, "m"),
  ].some((re) => re.test(source));
}

/** A member of an interface, object or class: `name(`, `name:`, `readonly name`. */
const declaresMember = (source: string, name: string) =>
  new RegExp(`^\\s*(readonly\\s+)?(async\\s+)?${quoted(name)}\\s*[?]?[(:<]`, "m").test(source);

/** `name`, or `Port.member`: the port at the top level, the member declared in the same file. */
function declaresName(source: string, name: string): boolean {
  const [head = "", member] = name.split(".");
  return declaresTopLevel(source, head) && (member === undefined || declaresMember(source, member));
}

const declaredAnywhere = (name: string) =>
  [...text.values()].some((s) => declaresName(s, name) || declaresMember(s, name) || s.includes(`"${name}"`));

const NAMES = "((?:`[^`]+`(?:, |,? and | or |/))*`[^`]+`)";

/**
 * The names with the file they are said to be in, in the three forms the page uses:
 * "`a`, `b` and `c` in `path.ts`", "in `path.ts` (`a`, `b`)" and "`a` and `b` (`path.ts`)".
 */
function namesWithFile(): { names: string[]; file: string }[] {
  const flat = doc.replace(/\s+/g, " ");
  const forms: [RegExp, number, number][] = [
    [new RegExp(`${NAMES} in \`([\\w/.-]+\\.ts)\``, "g"), 1, 2],
    [new RegExp(`in \`([\\w/.-]+\\.ts)\` \\(${NAMES}\\)`, "g"), 2, 1],
    [new RegExp(`${NAMES} \\(\`([\\w/.-]+\\.ts)\`\\)`, "g"), 1, 2],
  ];
  return forms.flatMap(([re, names, file]) =>
    [...flat.matchAll(re)].map((m) => ({
      names: [...(m[names] ?? "").matchAll(/`([^`]+)`/g)]
        .map((n) => n[1] ?? "")
        .filter((n) => IDENTIFIER.test(n)),
      file: m[file] ?? "",
    })),
  );
}

/** Backticked identifiers of every paragraph that says what implements a rule. */
function implementationNames(): string[] {
  const paragraphs = doc.split(/\n\s*\n/).filter((p) => /\b(Implemented by|Lines are built by)\b/.test(p));
  const names = paragraphs.flatMap((p) => [...p.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? ""));
  return [...new Set(names.filter((n) => IDENTIFIER.test(n) && !n.endsWith(".ts")))];
}

describe("docs/rules.md names the code", () => {
  it("finds the implementing names it lists", () => {
    expect(namesWithFile().length).toBeGreaterThan(30);
    expect(implementationNames().length).toBeGreaterThan(60);
  });

  it("declares every name in the file it is said to be in", () => {
    const wrong = namesWithFile().flatMap(({ names, file }) => {
      if (!existsSync(join(ROOT, file))) return [`${file} (no such file)`];
      const source = readFileSync(join(ROOT, file), "utf8");
      return names.filter((n) => !declaresName(source, n)).map((n) => `${n} in ${file}`);
    });
    expect(wrong).toEqual([]);
  });

  it("declares every name of an 'Implemented by' paragraph somewhere in the code", () => {
    expect(implementationNames().filter((n) => !declaredAnywhere(n))).toEqual([]);
  });

  it("leaves no name to be filled", () => {
    expect(doc).not.toMatch(/to be filled/i);
  });
});
