/**
 * Reads a synthesis job's server-sent events (`GET /api/v1/synthesis/jobs/:id/events`) as they
 * arrive: each `progress` and the final `end` event is handed over parsed. Resolves with the job
 * of the `end` event, or undefined when the stream closed before it (the caller then asks again).
 */
export interface JobEvent {
  readonly name: string;
  readonly job: Record<string, unknown>;
}

/** Parses one event block (`event:`, `id:`, `data:` lines); undefined for comments. */
export function parseEvent(block: string): JobEvent | undefined {
  let name = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) name = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  if (data.length === 0) return undefined;
  return { name, job: JSON.parse(data.join('\n')) as Record<string, unknown> };
}

export async function readJobEvents(
  url: URL,
  token: string,
  onEvent: (event: JobEvent) => void,
  signal: AbortSignal,
): Promise<Record<string, unknown> | undefined> {
  const response = await fetch(url, {
    headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
    signal,
  });
  if (!response.ok || response.body === null) {
    const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
    throw Object.assign(
      new Error(
        `${response.status} ${String(body.code ?? '')}: ${String(body.detail ?? response.statusText)}`,
      ),
      { status: response.status },
    );
  }
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of response.body) {
    buffered += decoder.decode(chunk as Uint8Array, { stream: true });
    let end = buffered.indexOf('\n\n');
    while (end >= 0) {
      const event = parseEvent(buffered.slice(0, end));
      buffered = buffered.slice(end + 2);
      if (event !== undefined) {
        onEvent(event);
        if (event.name === 'end') return event.job;
      }
      end = buffered.indexOf('\n\n');
    }
  }
  return undefined;
}
