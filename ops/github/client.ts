/**
 * A minimal GitHub REST client: JSON requests with a token, and pagination that follows the
 * `Link: <...>; rel="next"` header over every page. `fetch` and the API base are injectable so
 * tests can point it at a local server.
 */

/** What the client needs: a token, the API base and (in tests) a fetch implementation. */
export interface GitHubClientOptions {
  token: string;
  /** @default https://api.github.com (GitHub Enterprise: `https://HOST/api/v3`) */
  apiUrl?: string;
  /** @default the global fetch */
  fetch?: typeof fetch;
}

/** A non-2xx answer: the method, path, status and GitHub's message. */
export class GitHubError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The `rel="next"` URL of a Link header, if any. */
export function nextLink(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(part);
    if (m) return m[1];
  }
  return undefined;
}

/** Talks JSON to the GitHub REST API. */
export class GitHubClient {
  readonly apiUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: GitHubClientOptions) {
    this.apiUrl = (options.apiUrl ?? "https://api.github.com").replace(/\/+$/, "");
    this.fetchImpl = options.fetch ?? fetch;
  }

  /**
   * An API path, or an absolute URL on the API's own origin. Any other origin is refused: the
   * request carries the token, and a `Link` header (or a proxy rewriting it) must not send it
   * elsewhere.
   */
  private url(pathOrUrl: string): string {
    if (!/^[a-z][a-z0-9+.-]*:/i.test(pathOrUrl)) return `${this.apiUrl}${pathOrUrl}`;
    let origin: string;
    try {
      origin = new URL(pathOrUrl).origin;
    } catch {
      origin = "(not a URL)";
    }
    const own = new URL(this.apiUrl).origin;
    if (origin !== own) {
      throw new GitHubError(
        0,
        `refusing to send the GitHub token to ${origin}: only ${own} (the API's own origin) is followed; check GITHUB_API_URL and any proxy rewriting Link headers`,
      );
    }
    return pathOrUrl;
  }

  private async send(method: string, pathOrUrl: string, body?: unknown): Promise<Response> {
    const res = await this.fetchImpl(this.url(pathOrUrl), {
      method,
      headers: {
        accept: "application/vnd.github+json",
        authorization: `Bearer ${this.options.token}`,
        "x-github-api-version": "2022-11-28",
        "user-agent": "platform-cli",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) {
      const text = await res.text().catch(() => "");
      let detail = text.slice(0, 300);
      try {
        detail = (JSON.parse(text) as { message?: string }).message ?? detail;
      } catch {
        /* not JSON: keep the text */
      }
      throw new GitHubError(res.status, `GitHub ${method} ${pathOrUrl} answered ${res.status}: ${detail}`);
    }
    return res;
  }

  /** One request; the parsed JSON answer. */
  async request<T>(method: "GET" | "POST" | "PATCH" | "DELETE", path: string, body?: unknown): Promise<T> {
    const res = await this.send(method, path, body);
    const text = await res.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * Every item of a list endpoint, page after page. Follows the Link header; a server that sends
   * none is asked for the next page number while pages come back full.
   */
  async *paginate<T>(path: string, perPage = 100): AsyncGenerator<T> {
    const sep = path.includes("?") ? "&" : "?";
    let page = 1;
    let url: string | undefined = `${path}${sep}per_page=${perPage}&page=${page}`;
    while (url) {
      const res = await this.send("GET", url);
      const items = (await res.json()) as T[];
      for (const item of items) yield item;
      const next = nextLink(res.headers.get("link"));
      if (next) url = next;
      else if (!res.headers.get("link") && items.length === perPage)
        url = `${path}${sep}per_page=${perPage}&page=${++page}`;
      else url = undefined;
    }
  }
}
