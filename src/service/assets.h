/* assets.h — the dashboard's files (src/service/dashboard), compiled in by
 * scripts/embed-assets.cmake so the page works offline. */
#ifndef PQCHA_SERVICE_ASSETS_H
#define PQCHA_SERVICE_ASSETS_H

#include <stddef.h>

typedef struct service_asset {
    const char *path; /* "/index.html" */
    const unsigned char *data;
    size_t size;
} service_asset;

extern const service_asset service_assets[];
extern const size_t service_asset_count;

#endif
