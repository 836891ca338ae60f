// SPDX-License-Identifier: Apache-2.0
#include "vmm/mptable.h"

#include "common/log.h"

#include <errno.h>
#include <string.h>

/* MP spec §4.1: the MP floating pointer structure. */
struct mp_floating {
	char signature[4]; /* "_MP_" */
	uint32_t config_addr;
	uint8_t length; /* in 16-byte units */
	uint8_t spec_rev;
	uint8_t checksum;
	uint8_t features[5]; /* feature 1 = 0: a configuration table exists */
} __attribute__((packed));

/* MP spec §4.2: the configuration table header. */
struct mp_config {
	char signature[4]; /* "PCMP" */
	uint16_t length;
	uint8_t spec_rev;
	uint8_t checksum;
	char oem[8];
	char product[12];
	uint32_t oem_table;
	uint16_t oem_table_size;
	uint16_t entry_count;
	uint32_t lapic_addr;
	uint16_t ext_length;
	uint8_t ext_checksum;
	uint8_t reserved;
} __attribute__((packed));

/* §4.3.1 */
struct mp_processor {
	uint8_t type; /* 0 */
	uint8_t apic_id;
	uint8_t apic_version;
	uint8_t flags; /* bit 0 enabled, bit 1 bootstrap */
	uint32_t signature;
	uint32_t features;
	uint32_t reserved[2];
} __attribute__((packed));

/* §4.3.2 */
struct mp_bus {
	uint8_t type; /* 1 */
	uint8_t bus_id;
	char bus_type[6];
} __attribute__((packed));

/* §4.3.3 */
struct mp_ioapic {
	uint8_t type; /* 2 */
	uint8_t apic_id;
	uint8_t apic_version;
	uint8_t flags; /* bit 0 enabled */
	uint32_t addr;
} __attribute__((packed));

/* §4.3.4 (type 3, I/O interrupt) and §4.3.5 (type 4, local interrupt) */
struct mp_interrupt {
	uint8_t type;
	uint8_t irq_type; /* 0 INT, 1 NMI, 3 ExtINT */
	uint16_t flags;	  /* 0: polarity and trigger conform to the bus */
	uint8_t src_bus;
	uint8_t src_irq;
	uint8_t dst_apic;
	uint8_t dst_pin;
} __attribute__((packed));

_Static_assert(sizeof(struct mp_floating) == 16, "MP floating pointer");
_Static_assert(sizeof(struct mp_config) == 44, "MP config header");
_Static_assert(sizeof(struct mp_processor) == 20, "MP processor entry");
_Static_assert(sizeof(struct mp_bus) == 8, "MP bus entry");
_Static_assert(sizeof(struct mp_ioapic) == 8, "MP I/O APIC entry");
_Static_assert(sizeof(struct mp_interrupt) == 8, "MP interrupt entry");

#define MP_APIC_VERSION	  0x14
#define MP_IOAPIC_VERSION 0x11
#define MP_LINT_ENTRIES	  2

uint64_t mptable_size(unsigned int ncpus)
{
	return sizeof(struct mp_floating) + sizeof(struct mp_config) +
	       ncpus * sizeof(struct mp_processor) + sizeof(struct mp_bus) +
	       sizeof(struct mp_ioapic) +
	       (MPTABLE_ISA_IRQS + MP_LINT_ENTRIES) *
		       sizeof(struct mp_interrupt);
}

static uint8_t checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum += *b++;
	return (uint8_t)-sum;
}

int mptable_write(const struct guest_mem *mem, uint64_t addr,
		  unsigned int ncpus)
{
	uint64_t size = mptable_size(ncpus);
	struct mp_floating *mpf;
	struct mp_config *mpc;
	uint8_t *base, *p;
	uint8_t ioapic_id = (uint8_t)ncpus;

	if (ncpus == 0 || ncpus > 254) {
		log_error("MP table: %u CPUs cannot be described", ncpus);
		return -EINVAL;
	}
	base = guest_mem_ptr(mem, addr, size);
	if (!base || addr + size > 0x100000) {
		log_error("MP table: %llu bytes do not fit at 0x%llx",
			  (unsigned long long)size, (unsigned long long)addr);
		return -ENOSPC;
	}
	memset(base, 0, size);
	mpf = (struct mp_floating *)base;
	mpc = (struct mp_config *)(base + sizeof(*mpf));
	p = (uint8_t *)(mpc + 1);

	for (unsigned int i = 0; i < ncpus; i++) {
		struct mp_processor cpu = {
			.type = 0,
			.apic_id = (uint8_t)i,
			.apic_version = MP_APIC_VERSION,
			.flags = 1 | (i == 0 ? 2 : 0),
			.signature = 0x600, /* family 6 */
			.features = 0x201,  /* FPU, APIC */
		};

		memcpy(p, &cpu, sizeof(cpu));
		p += sizeof(cpu);
	}
	{
		struct mp_bus bus = {.type = 1, .bus_id = 0};

		memcpy(bus.bus_type, "ISA   ", 6);
		memcpy(p, &bus, sizeof(bus));
		p += sizeof(bus);
	}
	{
		struct mp_ioapic ioapic = {
			.type = 2,
			.apic_id = ioapic_id,
			.apic_version = MP_IOAPIC_VERSION,
			.flags = 1,
			.addr = MPTABLE_IOAPIC_ADDR,
		};

		memcpy(p, &ioapic, sizeof(ioapic));
		p += sizeof(ioapic);
	}
	/* KVM's default routing wires ISA IRQ n to I/O APIC pin n. */
	for (unsigned int irq = 0; irq < MPTABLE_ISA_IRQS; irq++) {
		struct mp_interrupt in = {
			.type = 3,
			.irq_type = 0,
			.src_bus = 0,
			.src_irq = (uint8_t)irq,
			.dst_apic = ioapic_id,
			.dst_pin = (uint8_t)irq,
		};

		memcpy(p, &in, sizeof(in));
		p += sizeof(in);
	}
	for (unsigned int lint = 0; lint < MP_LINT_ENTRIES; lint++) {
		struct mp_interrupt in = {
			.type = 4,
			.irq_type = lint == 0 ? 3 : 1, /* ExtINT, NMI */
			.src_bus = 0,
			.src_irq = 0,
			.dst_apic = 0xff, /* every local APIC */
			.dst_pin = (uint8_t)lint,
		};

		memcpy(p, &in, sizeof(in));
		p += sizeof(in);
	}

	memcpy(mpc->signature, "PCMP", 4);
	mpc->length = (uint16_t)(p - (uint8_t *)mpc);
	mpc->spec_rev = 4;
	memcpy(mpc->oem, "COCOON  ", 8);
	memcpy(mpc->product, "cocoon-vmm  ", 12);
	mpc->entry_count =
		(uint16_t)(ncpus + 2 + MPTABLE_ISA_IRQS + MP_LINT_ENTRIES);
	mpc->lapic_addr = MPTABLE_LAPIC_ADDR;
	mpc->checksum = checksum(mpc, mpc->length);

	memcpy(mpf->signature, "_MP_", 4);
	mpf->config_addr = (uint32_t)(addr + sizeof(*mpf));
	mpf->length = 1;
	mpf->spec_rev = 4;
	mpf->checksum = checksum(mpf, sizeof(*mpf));
	return (int)size;
}
