// Files the agent attaches to a reply, read in the browser as base64 (the reply's JSON body).
import type { OutgoingFile } from '../api/types';

/** What the server accepts in all for one reply's attachments (its MAX_ATTACHMENTS_BYTES). */
export const MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024;

/** A file read for sending, with its size to show and count against the limit. */
export interface ReadFile extends OutgoingFile {
  size: number;
}

/** `12 KB`, `3.4 MB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** The file's content in base64 (without the data URL's prefix). */
export function readFile(file: File): Promise<ReadFile> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(new Error(`${file.name} could not be read`));
    reader.onload = () => {
      const url = typeof reader.result === 'string' ? reader.result : '';
      const comma = url.indexOf(',');
      resolve({
        filename: file.name,
        content_type: file.type || 'application/octet-stream',
        content_base64: comma >= 0 ? url.slice(comma + 1) : '',
        size: file.size,
      });
    };
    reader.readAsDataURL(file);
  });
}
