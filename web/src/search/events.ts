/**
 * Shopper events, sent as a shop should: each names the `query_id` of the result list it
 * came from and the product's position in it, the shopper (user id, else the session),
 * and an `event_id` that makes a resend count once.
 */
import { sendJson } from '../api.ts';

export type ShopperAction = 'click' | 'add_to_cart' | 'purchase';

export function sessionId(): string {
  const key = 'hybrid-search-session';
  let id = sessionStorage.getItem(key);
  if (!id) {
    id = crypto.randomUUID();
    sessionStorage.setItem(key, id);
  }
  return id;
}

export async function sendEvent(event: {
  type: ShopperAction;
  queryId: string;
  productId: string;
  position: number;
  userId: string;
}): Promise<void> {
  await sendJson('/v1/events', 'POST', [
    {
      event_id: `${event.queryId}:${event.position}:${event.type}`,
      type: event.type,
      query_id: event.queryId,
      product_id: event.productId,
      position: event.position,
      session_id: sessionId(),
      ...(event.userId && { user_id: event.userId }),
      timestamp: new Date().toISOString(),
    },
  ]);
}
