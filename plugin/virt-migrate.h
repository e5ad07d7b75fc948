/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#define __VIRT_MIGRATE_H_INSIDE__

#include "virt-migrate-enums.h"
#include "virt-migrate-enum-types.h"
#include "virt-migrate-error.h"
#include "virt-migrate-drain.h"
#include "virt-migrate-history.h"
#include "virt-migrate-config-outcome.h"
#include "virt-migrate-request.h"
#include "virt-migrate-settings.h"
#include "virt-migrate-job.h"
#include "virt-migrate-manager.h"
#include "virt-migrate-plan.h"
#include "virt-migrate-policy.h"
#include "virt-migrate-version.h"

#undef __VIRT_MIGRATE_H_INSIDE__
