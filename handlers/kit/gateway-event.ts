/** API Gateway HTTP API payload 2.0: the one event shape every driver produces and every handler accepts. */
export interface V2Event {
  version: '2.0';
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  /** Lowercase names; duplicates joined by commas. */
  headers: Record<string, string | undefined>;
  queryStringParameters?: Record<string, string | undefined>;
  pathParameters?: Record<string, string | undefined>;
  requestContext: {
    accountId?: string;
    apiId?: string;
    domainName?: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: string;
    stage: string;
    time: string;
    timeEpoch: number;
  };
  body?: string;
  isBase64Encoded: boolean;
}

export interface V2Result {
  statusCode: number;
  headers?: Record<string, string>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
}

/** What drivers may pass as the invocation context (a Lambda context has more; none of it is required). */
export interface InvocationContext {
  /** Aborted when the client disconnects (HTTP driver). */
  signal?: AbortSignal;
  getRemainingTimeInMillis?: () => number;
  [key: string]: unknown;
}
