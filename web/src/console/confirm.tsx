/** An in-page confirmation for changes that affect every shopper (promote, roll back, run a job). */
export interface PendingConfirm {
  text: string;
  action: string;
  run: () => void;
}

export function ConfirmBox(props: { pending: PendingConfirm | null; onClose: () => void }) {
  if (!props.pending) return null;
  const { text, action, run } = props.pending;
  return (
    <div class="confirm" role="alertdialog" aria-label="Confirm">
      <p>{text}</p>
      <button
        type="button"
        class="primary"
        onClick={() => {
          props.onClose();
          run();
        }}
      >
        {action}
      </button>
      <button type="button" onClick={props.onClose}>
        Cancel
      </button>
    </div>
  );
}
