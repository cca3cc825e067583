export { whipRoutes, type WhipRouteDeps } from './routes';
export { VIDEO_CODECS } from './sdp';
