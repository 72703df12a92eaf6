// For the search tests: a body shaped like Docker Hub's v1 search response (this
// machine has no internet to record a live one), and a small registry front that
// answers /v2/, /v1/search and /v2/_catalog as told, for what the seeded
// docker-registry cannot show: descriptions, stars and a registry without a catalog.
import http from 'node:http';
import type {AddressInfo} from 'node:net';

/** `GET https://index.docker.io/v1/search?q=alpine&n=25`, abridged, in the Hub's shape. */
export const HUB_SEARCH_RESPONSE = {
  num_pages: 1,
  num_results: 4,
  page_size: 25,
  query: `alpine`,
  results: [
    {name: `alpine`, description: `A minimal Docker image based on Alpine Linux with a complete package index and only 5 MB in size!`, star_count: 10921, is_official: true, is_automated: false, is_trusted: false},
    {name: `alpine/git`, description: `A  simple git container running in alpine linux,\nespecially for tiny linux distro.`, star_count: 243, is_official: false, is_automated: true, is_trusted: true},
    {name: `alpinelinux/docker-cli`, description: `Simple and lightweight Alpine Linux image with only Docker CLI installed`, star_count: 9, is_official: false, is_automated: false, is_trusted: false},
    {name: `yobasystems/alpine-mariadb`, description: ``, star_count: 94, is_official: false, is_automated: true, is_trusted: true},
  ],
};

export interface SearchFront {
  address: string;
  requests: Array<{url: string, authorization: string | undefined}>;
  stop(): Promise<void>;
}

/** Answers /v2/ with 200, /v1/search with `v1` (404 when not given) and /v2/_catalog with `catalogStatus`. */
export async function startSearchFront(o: {v1?: unknown, catalogStatus: number}): Promise<SearchFront> {
  const requests: SearchFront[`requests`] = [];
  const server = http.createServer((req, res) => {
    const url = req.url ?? `/`;
    requests.push({url, authorization: req.headers.authorization});
    const json = (status: number, body: unknown) => {
      res.writeHead(status, {'content-type': `application/json`});
      res.end(JSON.stringify(body));
    };
    if (url === `/v2/`) json(200, {});
    else if (url.startsWith(`/v1/search?`) && o.v1 !== undefined) json(200, o.v1);
    else if (url === `/v2/_catalog`) json(o.catalogStatus, o.catalogStatus === 200 ? {repositories: []} : {errors: [{code: `NOT_FOUND`, message: `not found`}]});
    else json(404, {errors: [{code: `NOT_FOUND`, message: `not found`}]});
  });
  await new Promise<void>(r => server.listen(0, `127.0.0.1`, r));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () => new Promise(r => server.close(() => r())),
  };
}
