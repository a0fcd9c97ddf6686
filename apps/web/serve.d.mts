export declare const ISOLATION_HEADERS: Record<string, string>;

/** Serves apps/web/dist (or `root`) on 127.0.0.1; port 0 picks a free one. */
export declare function serve(options?: { root?: string; port?: number; isolate?: boolean }): Promise<{
  url: string;
  port: number;
  close(): Promise<void>;
}>;
