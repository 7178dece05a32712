import {
  codeValue,
  escapeHtml,
  htmlDocument,
  link,
  statusBadge,
  table,
  valueText,
} from "../../../ops/report/html";

describe("escapeHtml: the one escaping function", () => {
  test.each([
    ["<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"],
    ['" onmouseover="x', "&quot; onmouseover=&quot;x"],
    ["' autofocus onfocus='x", "&#39; autofocus onfocus=&#39;x"],
    ["a & b", "a &amp; b"],
    ["&lt; already", "&amp;lt; already"],
    ["`tick`", "&#96;tick&#96;"],
    ["plain", "plain"],
    [42, "42"],
    [undefined, ""],
    [null, ""],
  ])("%p → %p", (input, out) => {
    expect(escapeHtml(input)).toBe(out);
  });

  test("nothing that can open a tag or close an attribute survives", () => {
    const nasty = `<img src=x onerror="alert('x')">\`&`;
    expect(escapeHtml(nasty)).not.toMatch(/[<>"'`]/);
  });
});

describe("values", () => {
  test.each([
    ["[secret]", "[secret]"],
    [2, "2"],
    [{ a: 1 }, '{"a":1}'],
    [undefined, "(none)"],
    ["x".repeat(500), `${"x".repeat(399)}…`],
  ])("valueText(%p)", (v, out) => {
    expect(valueText(v)).toBe(out);
  });

  test("a value in code is escaped", () => {
    expect(codeValue("<b>")).toBe("<code>&lt;b&gt;</code>");
  });
});

describe("status, links, tables, documents", () => {
  test("a status is always in words, with a tone class", () => {
    expect(statusBadge("drifted")).toBe('<span class="badge warn">drifted</span>');
    expect(statusBadge("Stalled")).toBe('<span class="badge bad">Stalled</span>');
    expect(statusBadge("<x>")).toBe('<span class="badge info">&lt;x&gt;</span>');
  });

  test("links only to http(s); an attribute value is escaped", () => {
    expect(link("javascript:alert(1)", "x")).toBe("x");
    expect(link('https://h/"><script>', "t")).toBe('<a href="https://h/&quot;&gt;&lt;script&gt;">t</a>');
  });

  test("table headers become data-label attributes for the phone layout", () => {
    const t = table(['a"b'], [["<i>1</i>"]]);
    expect(t).toContain('<th scope="col">a&quot;b</th>');
    expect(t).toContain('<td data-label="a&quot;b"><i>1</i></td>');
    expect(t).toContain('class="responsive"');
  });

  test("a document has a viewport meta, a title escaped, inline or linked CSS", () => {
    const inline = htmlDocument("<p>x</p>", { title: "<t>", css: "inline" });
    expect(inline).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(inline).toContain("<title>&lt;t&gt;</title>");
    expect(inline).toContain("<style>");
    expect(inline).not.toContain("<script");
    expect(inline).toMatch(/@media \(max-width:40rem\)/);
    const linked = htmlDocument("", { title: "t", css: "linked", scripts: ["/assets/live.js"] });
    expect(linked).toContain('<link rel="stylesheet" href="/assets/dashboard.css">');
    expect(linked).toContain('<script src="/assets/live.js" defer></script>');
  });
});
