// Finds the file a tool card's location link points at, checked before VS Code opens it.
import * as path from 'node:path';
import type { Transcript } from './transcript';

export interface ToolLocation {
  path: string;
  /** 1-based; undefined when the server gave none or gave one that is not a line. */
  line: number | undefined;
}

export function toolLocation(transcript: Transcript, toolCallId: string, index: number): ToolLocation | undefined {
  const location = transcript.findTool(toolCallId)?.tool.locations.at(index);
  if (location === undefined || index < 0 || !path.isAbsolute(location.path)) {
    return undefined;
  }
  const line = location.line;
  return { path: location.path, line: line !== undefined && Number.isInteger(line) && line >= 1 ? line : undefined };
}
