import * as http from "http";
import { AddressInfo } from "net";

/** A pull request as the stand-in keeps it. */
export interface StandInPull {
  number: number;
  head: string;
  base: string;
  title: string;
  body: string;
  state: "open" | "closed";
}

/**
 * A local server speaking the few GitHub REST shapes the platform uses for pull requests: open
 * (`POST /repos/{o}/{r}/pulls`), list open ones by head (`GET .../pulls?state=open&head=o:branch`,
 * filtered as GitHub filters) and edit (`PATCH .../pulls/{n}`). Every request is recorded.
 */
export class LocalGitHub {
  readonly pulls: StandInPull[] = [];
  readonly requests: Array<{ method: string; url: string }> = [];
  private readonly server: http.Server;

  constructor(
    readonly owner = "acme",
    readonly repo = "platform",
  ) {
    this.server = http.createServer((req, res) => {
      let data = "";
      req.on("data", (d) => (data += d));
      req.on("end", () => this.answer(req, data, res));
    });
  }

  /** `GITHUB_*` variables pointing the platform at this server. */
  get env(): NodeJS.ProcessEnv {
    const port = (this.server.address() as AddressInfo).port;
    return {
      GITHUB_TOKEN: "e2e-token",
      GITHUB_REPOSITORY: `${this.owner}/${this.repo}`,
      GITHUB_API_URL: `http://127.0.0.1:${port}`,
    };
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private json(res: http.ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  }

  private shape(pr: StandInPull) {
    return {
      number: pr.number,
      html_url: `https://github.example/${this.owner}/${this.repo}/pull/${pr.number}`,
      head: { ref: pr.head },
      base: { ref: pr.base },
      title: pr.title,
      body: pr.body,
      state: pr.state,
    };
  }

  private answer(req: http.IncomingMessage, data: string, res: http.ServerResponse): void {
    this.requests.push({ method: req.method ?? "", url: req.url ?? "" });
    const url = new URL(req.url ?? "/", "http://stand-in");
    const pulls = `/repos/${this.owner}/${this.repo}/pulls`;
    if (req.method === "POST" && url.pathname === pulls) {
      const body = JSON.parse(data) as Omit<StandInPull, "number" | "state">;
      if (this.pulls.some((p) => p.state === "open" && p.head === body.head)) {
        this.json(res, 422, { message: `A pull request already exists for ${this.owner}:${body.head}.` });
        return;
      }
      const pr: StandInPull = { ...body, number: 101 + this.pulls.length, state: "open" };
      this.pulls.push(pr);
      this.json(res, 201, this.shape(pr));
    } else if (req.method === "GET" && url.pathname === pulls) {
      const head = url.searchParams.get("head");
      const state = url.searchParams.get("state") ?? "open";
      const page = Number(url.searchParams.get("page") ?? "1");
      const found = this.pulls.filter(
        (p) => (state === "all" || p.state === state) && (!head || `${this.owner}:${p.head}` === head),
      );
      this.json(res, 200, page === 1 ? found.map((p) => this.shape(p)) : []);
    } else if (req.method === "PATCH" && url.pathname.startsWith(`${pulls}/`)) {
      const pr = this.pulls.find((p) => p.number === Number(url.pathname.slice(pulls.length + 1)));
      if (!pr) {
        this.json(res, 404, { message: "Not Found" });
        return;
      }
      Object.assign(pr, JSON.parse(data) as Partial<StandInPull>);
      this.json(res, 200, this.shape(pr));
    } else this.json(res, 404, { message: "Not Found" });
  }
}
