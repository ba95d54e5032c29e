#pragma once
// The latent types moved to control/ (the control stage produces latents, the
// model consumes them: docs/architecture.md). Kept so older includes still build.
#include "dxlatent/control/latent.hpp"
