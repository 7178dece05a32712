/**
 * A minimal GitHub REST client: JSON requests with a token, pagination that follows the
 * `Link: <...>; rel="next"` header over every page, and retries: rate limits (429, or 403 with
 * `x-ratelimit-remaining: 0` or `Retry-After`: the request was not processed) for every method,
 * 5xx and network errors for all but POST (a POST that met a 502 may have created its comment).
 * Waits the longer of exponential backoff and what the server asked for (`Retry-After`,
 * `x-ratelimit-reset`); a wait beyond `maxWaitMs` is an error that says until when. `fetch` and
 * the API base are injectable so tests can point it at a local server.
 */
import { retryAfterMs } from "../retryAfter";
import { delay } from "../timers";

/** What the client needs: a token, the API base and (in tests) a fetch implementation. */
export interface GitHubClientOptions {
  token: string;
  /** @default https://api.github.com (GitHub Enterprise: `https://HOST/api/v3`) */
  apiUrl?: string;
  /** @default the global fetch */
  fetch?: typeof fetch;
  /** Attempts after the first. @default 4 */
  retries?: number;
  /** First backoff, doubled per retry. @default 1000 ms */
  baseDelayMs?: number;
  /** The longest single wait (for a rate-limit reset too) before giving up. @default 60000 ms */
  maxWaitMs?: number;
}

/** A non-2xx answer: the method, path, status and GitHub's message. */
export class GitHubError extends Error {
  override name = "GitHubError";
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Why a response (or a failed fetch) may be tried again, or undefined when it is final. */
function retryReason(method: string, res: Response | undefined): string | undefined {
  if (!res) return method === "POST" ? undefined : "network error";
  const limited = res.headers.get("x-ratelimit-remaining") === "0" || res.headers.has("retry-after");
  if (res.status === 429 || (res.status === 403 && limited)) return "rate limited";
  if (res.status >= 500 && method !== "POST") return `HTTP ${res.status}`;
  return undefined;
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
  private readonly options: GitHubClientOptions;

  constructor(options: GitHubClientOptions) {
    this.options = options;
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

  /** One request with retries (see the file comment); throws GitHubError on a final non-2xx. */
  private async send(method: string, pathOrUrl: string, body?: unknown): Promise<Response> {
    const retries = this.options.retries ?? 4;
    const base = this.options.baseDelayMs ?? 1000;
    const maxWait = this.options.maxWaitMs ?? 60_000;
    const url = this.url(pathOrUrl); // a refused origin is final, never retried
    for (let attempt = 0; ; attempt++) {
      let res: Response | undefined;
      let failure: unknown;
      try {
        res = await this.once(method, url, body);
      } catch (err) {
        failure = err;
      }
      if (res?.ok) return res;
      const reason = retryReason(method, res);
      if (!reason || attempt >= retries) {
        if (!res) throw failure;
        throw await this.error(method, pathOrUrl, res, reason && `gave up after ${attempt + 1} attempts`);
      }
      const asked = res ? retryAfterMs(res.headers) : undefined;
      const wait = Math.max(base * 2 ** attempt, asked ?? 0);
      if (wait > maxWait && res) {
        const until = new Date(Date.now() + wait).toISOString();
        throw await this.error(
          method,
          pathOrUrl,
          res!,
          `${reason} until ${until}, longer than the ${maxWait} ms this client waits`,
        );
      }
      await res?.arrayBuffer().catch(() => undefined);
      await delay(wait);
    }
  }

  private async error(
    method: string,
    pathOrUrl: string,
    res: Response,
    note: string | undefined,
  ): Promise<GitHubError> {
    const text = await res.text().catch(() => "");
    let detail = text.slice(0, 300);
    try {
      detail = (JSON.parse(text) as { message?: string }).message ?? detail;
    } catch {
      /* not JSON: keep the text */
    }
    const suffix = note ? ` (${note})` : "";
    return new GitHubError(
      res.status,
      `GitHub ${method} ${pathOrUrl} answered ${res.status}: ${detail}${suffix}`,
    );
  }

  private once(method: string, url: string, body?: unknown): Promise<Response> {
    return this.fetchImpl(url, {
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
