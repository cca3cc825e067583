# syntax=docker/dockerfile:1
# toonstream, CPU image:  docker build -t toonstream . && docker run -p 8080:8080 toonstream
ARG NODE_IMAGE=node:20-bookworm-slim

# Production dependencies only, and native/ (the CPU output stage, built by npm ci's install
# script). Compilers are here for it and for better-sqlite3; they do not reach the final image.
FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY native ./native
COPY scripts/build-native.mjs ./scripts/
RUN npm ci --omit=dev && npm cache clean --force

# Compile TypeScript and bundle the client with the dev dependencies.
FROM ${NODE_IMAGE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY native ./native
COPY scripts/build-native.mjs ./scripts/
RUN npm ci
COPY tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY scripts ./scripts
COPY client ./client
RUN npm run build

FROM ${NODE_IMAGE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    PORT=8080 \
    HOST=0.0.0.0 \
    TOONSTREAM_MODELS_DIR=/app/models \
    TOONSTREAM_DATA_DIR=/app/data
COPY --from=deps /app/node_modules ./node_modules
COPY --from=deps /app/native/build/Release/toonstream_native.node ./native/build/Release/
COPY package.json ./
COPY bin ./bin
COPY --from=build /app/dist ./dist
# ONNX graphs used at run time besides the models (the pipeline's post-processing graph).
COPY assets ./assets
COPY models ./models
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "bin/toonstream.js", "serve"]
