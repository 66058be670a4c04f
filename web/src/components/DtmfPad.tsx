const KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '0', '#'];

export function DtmfPad({ disabled, onDigit }: { disabled: boolean; onDigit(d: string): void }) {
  return (
    <div className="dtmf" role="group" aria-label="Keypad (sends DTMF to the caller)">
      {KEYS.map((k) => (
        <button key={k} type="button" data-testid={`dtmf-${k === '*' ? 'star' : k === '#' ? 'hash' : k}`}
          disabled={disabled} onClick={() => onDigit(k)}>{k}</button>
      ))}
    </div>
  );
}
