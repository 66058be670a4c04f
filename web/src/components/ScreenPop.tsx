import type { ConsoleCall } from '../api/types';

/** The queue's CRM URL template with the call's values filled in (each URL-encoded). */
export function screenPopHref(template: string, call: ConsoleCall): string {
  const values: Record<string, string> = {
    caller: call.caller,
    number: call.number,
    queue: call.queue ?? '',
    call: call.id,
  };
  return template.replace(/\{(caller|number|queue|call)\}/g, (_, k: string) => encodeURIComponent(values[k] ?? ''));
}

/** "Open in CRM" for a call whose queue names a screen-pop URL. */
export function ScreenPopLink({ template, call }: { template: string | null; call: ConsoleCall | null }) {
  if (!template || !call) return null;
  return (
    <a className="screen-pop" data-testid="screen-pop" href={screenPopHref(template, call)} target="_blank"
      rel="noopener noreferrer">
      Open in CRM
    </a>
  );
}
