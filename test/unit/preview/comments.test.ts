import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GitHubClient, nextLink } from "../../../ops/github/client";
import { commentMarker, upsertStickyComment } from "../../../ops/github/comments";
import { pullRequestContext, pullRequestNumber } from "../../../ops/github/context";

interface Comment {
  id: number;
  body: string;
  user?: { login: string };
}

/** Who the fake's token is (`GET /user`); `undefined` answers 403 like an Actions installation token. */
const BOT = "platform-bot";

/** A fake of the GitHub issue-comments endpoints, with Link headers like the real API. */
function fakeGitHub(
  comments: Comment[],
  opts: { link: boolean; login?: string | undefined; nextOrigin?: string } = { link: true, login: BOT },
) {
  const calls: string[] = [];
  let nextId = 1000;
  const login = "login" in opts ? opts.login : BOT;
  const impl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input));
    const method = init?.method ?? "GET";
    calls.push(`${method} ${url.pathname}${url.search}`);
    expect(new Headers(init?.headers).get("authorization")).toBe("Bearer t0ken");
    if (method === "GET" && url.pathname.endsWith("/user")) {
      return login === undefined
        ? new Response(JSON.stringify({ message: "Resource not accessible by integration" }), { status: 403 })
        : new Response(JSON.stringify({ login }), { status: 200 });
    }
    if (method === "GET") {
      const per = Number(url.searchParams.get("per_page"));
      const page = Number(url.searchParams.get("page"));
      const items = comments.slice((page - 1) * per, page * per);
      const headers = new Headers();
      if (opts.link && page * per < comments.length) {
        url.searchParams.set("page", String(page + 1));
        const next = opts.nextOrigin ? `${opts.nextOrigin}${url.pathname}${url.search}` : String(url);
        headers.set("link", `<${next}>; rel="next", <${url}>; rel="last"`);
      }
      return new Response(JSON.stringify(items), { status: 200, headers });
    }
    const body = JSON.parse(String(init?.body)) as { body: string };
    if (method === "POST") {
      const c = { id: nextId++, body: body.body, user: { login: login ?? "github-actions[bot]" } };
      comments.push(c);
      return new Response(JSON.stringify(c), { status: 201 });
    }
    const id = Number(url.pathname.split("/").pop());
    const c = comments.find((x) => x.id === id);
    if (!c) return new Response(JSON.stringify({ message: "Not Found" }), { status: 404 });
    c.body = body.body;
    return new Response(JSON.stringify(c), { status: 200 });
  };
  return { fetch: impl as typeof fetch, calls };
}

const key = { project: "platform", stack: "local", workdir: "." };
const issue = { owner: "acme", repo: "platform", number: 7 };
const others = (n: number): Comment[] =>
  Array.from({ length: n }, (_, i) => ({ id: i + 1, body: `chat ${i}` }));

describe("sticky comments", () => {
  test.each([true, false])(
    "found past 250 other comments (Link headers: %s), then updated in place",
    async (link) => {
      const comments = others(250);
      const gh = fakeGitHub(comments, { link });
      const client = new GitHubClient({ token: "t0ken", apiUrl: "https://gh.test/api/v3/", fetch: gh.fetch });
      const first = await upsertStickyComment(client, issue, key, "first");
      expect(first.action).toBe("created");
      comments.push(...others(5).map((c) => ({ ...c, id: c.id + 5000 })));
      const second = await upsertStickyComment(client, issue, key, "second");
      expect(second).toMatchObject({ action: "updated", id: first.id });
      expect(comments.filter((c) => c.body.includes(commentMarker(key)))).toHaveLength(1);
      expect(comments.find((c) => c.id === first.id)?.body).toBe(`${commentMarker(key)}\nsecond`);
      expect(gh.calls.filter((c) => c.startsWith("GET"))).toContain(
        "GET /api/v3/repos/acme/platform/issues/7/comments?per_page=100&page=3",
      );
      expect(gh.calls.filter((c) => c.startsWith("POST"))).toHaveLength(1);
    },
  );

  test("a comment carrying the marker but written by someone else is never taken for the platform's", async () => {
    const forged = { id: 5, body: `${commentMarker(key)}\nlooks official`, user: { login: "mallory" } };
    const comments = [...others(3), forged];
    const gh = fakeGitHub(comments);
    const client = new GitHubClient({ token: "t0ken", fetch: gh.fetch });
    const first = await upsertStickyComment(client, issue, key, "preview");
    expect(first.action).toBe("created");
    expect(first.id).not.toBe(5);
    expect(forged.body).toBe(`${commentMarker(key)}\nlooks official`);
    expect(gh.calls.filter((c) => c.startsWith("PATCH"))).toEqual([]);
    // The platform's own comment is found and updated the next time.
    const second = await upsertStickyComment(client, issue, key, "again");
    expect(second).toMatchObject({ action: "updated", id: first.id });
  });

  test("with the workflow's installation token (GET /user is 403) the Actions bot's comment counts", async () => {
    const mine = { id: 8, body: `${commentMarker(key)}\nold`, user: { login: "github-actions[bot]" } };
    const gh = fakeGitHub([mine], { link: true, login: undefined });
    const client = new GitHubClient({ token: "t0ken", fetch: gh.fetch });
    expect(await upsertStickyComment(client, issue, key, "new")).toMatchObject({ action: "updated", id: 8 });
    expect(mine.body).toBe(`${commentMarker(key)}\nnew`);
  });

  test("a Link header to another origin is not followed and the token never goes there", async () => {
    const gh = fakeGitHub(others(150), { link: true, login: BOT, nextOrigin: "https://evil.test" });
    const client = new GitHubClient({ token: "t0ken", apiUrl: "https://gh.test/api/v3", fetch: gh.fetch });
    await expect(upsertStickyComment(client, issue, key, "x")).rejects.toThrow(
      /refusing to send the GitHub token to https:\/\/evil\.test: only https:\/\/gh\.test/,
    );
    expect(gh.calls.filter((c) => c.startsWith("GET") && c.includes("/comments"))).toHaveLength(1);
    expect(gh.calls.filter((c) => c.startsWith("POST") || c.startsWith("PATCH"))).toEqual([]);
  });

  test("the marker keys project, stack and working directory apart", () => {
    expect(commentMarker(key)).toBe("<!-- platform-preview:platform:local:. -->");
    expect(commentMarker({ ...key, workdir: "infra/a" })).not.toBe(commentMarker(key));
    expect(commentMarker({ ...key, stack: "x -->y" })).not.toContain("-->y");
  });

  test("a body over the limit is refused before any request", async () => {
    const gh = fakeGitHub([]);
    const client = new GitHubClient({ token: "t0ken", fetch: gh.fetch });
    await expect(upsertStickyComment(client, issue, key, "x".repeat(70_000))).rejects.toThrow(
      /limit of 65536/,
    );
    expect(gh.calls).toEqual([]);
  });

  test("nextLink reads rel=next among several relations", () => {
    expect(nextLink('<https://a/x?page=2>; rel="next", <https://a/x?page=9>; rel="last"')).toBe(
      "https://a/x?page=2",
    );
    expect(nextLink('<https://a/x?page=1>; rel="prev"')).toBeUndefined();
    expect(nextLink(null)).toBeUndefined();
  });
});

describe("pull request context", () => {
  test("the number comes from GITHUB_REF, else the event payload", () => {
    expect(pullRequestNumber({ GITHUB_REF: "refs/pull/42/merge" })).toBe(42);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gh-event-")), "event.json");
    fs.writeFileSync(file, JSON.stringify({ pull_request: { number: 9 } }));
    expect(pullRequestNumber({ GITHUB_REF: "refs/heads/main", GITHUB_EVENT_PATH: file })).toBe(9);
    expect(pullRequestNumber({ GITHUB_REF: "refs/heads/main" })).toBeUndefined();
  });

  test("missing variables are named", () => {
    expect(() => pullRequestContext({ GITHUB_REPOSITORY: "acme/platform" })).toThrow(/GITHUB_TOKEN/);
    expect(() => pullRequestContext({ GITHUB_TOKEN: "t", GITHUB_REPOSITORY: "acme" })).toThrow(/owner\/name/);
    expect(() => pullRequestContext({ GITHUB_TOKEN: "t", GITHUB_REPOSITORY: "acme/p" })).toThrow(
      /no pull request/,
    );
    const ctx = pullRequestContext({
      GITHUB_TOKEN: "t",
      GITHUB_REPOSITORY: "acme/p",
      GITHUB_REF: "refs/pull/3/merge",
    });
    expect(ctx.issue).toEqual({ owner: "acme", repo: "p", number: 3 });
    expect(ctx.client.apiUrl).toBe("https://api.github.com");
  });
});
