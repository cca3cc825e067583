export { cartoonizeRoutes } from './cartoonize';
export { healthRoutes } from './health';
export { metricsRoutes } from './metrics';
export { modelRoutes } from './models';
export { staticRoutes } from './static';
