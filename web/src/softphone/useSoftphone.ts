// React binding of the softphone: one instance for the agent view's lifetime.
import { useEffect, useState, useSyncExternalStore } from 'react';
import { type PhoneState, Softphone } from './phone';

export function useSoftphone(): [Softphone, PhoneState] {
  const [phone] = useState(() => new Softphone());
  useEffect(() => {
    void phone.start();
    return () => phone.stop();
  }, [phone]);
  const state = useSyncExternalStore(phone.subscribe, phone.getState);
  return [phone, state];
}
