export { whipRoutes, type WhipRouteDeps } from './routes';
export { LIBWEBRTC_VIDEO_CODECS, PUBLISH_VIDEO_CODECS } from './sdp';
