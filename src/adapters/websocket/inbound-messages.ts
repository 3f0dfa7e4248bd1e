/** The schemas of what clients send live with the rest of the protocol (src/protocol), shared with the client library. */
export { InboundMessage, INBOUND_MESSAGE_IDS, MAX_SDP_LENGTH, type InboundMessageId } from '../../protocol/client-messages';
