// SPDX-License-Identifier: GPL-2.0
/*
 * Network traffic through the IOMMU: each network card of the harness's
 * guest (Intel's e1000e and virtio-net with iommu_platform=on, each on a
 * QEMU user network of its own) sends a stream of bytes to a server on the
 * host and receives another one back, both checked.  Every packet is a
 * DMA mapping of the card's driver: receive buffers mapped ahead and
 * unmapped as they fill, transmit buffers mapped as they go, descriptor
 * rings in coherent memory, and for virtio-net its virtqueues.
 *
 * The host's server (harness.py, TrafficServer) listens on the host's
 * loopback at the port the kernel command line gives as "netport=PORT";
 * QEMU's user network takes a connection to the host's address on the
 * card's network (10.0.2.2 or 10.0.3.2) there.  The protocol, on one TCP
 * connection:
 *
 *   guest:  "IOMMU-NET <card> <seed> <bytes>\n", then <bytes> of stream(seed)
 *   server: "OK <bytes>\n" once it has checked them all (or "BAD <offset>\n"),
 *           then <bytes> of stream(seed ^ NET_REPLY_SEED)
 *
 * A stream is 64 KiB blocks: block k is a block of splitmix64 output of the
 * seed, each 64-bit word XORed with (k + 1) * NET_BLOCK_MULT, so that a
 * byte in the wrong place shows.  The server also reports what it saw to
 * the harness, which checks that both cards' streams arrived intact.
 *
 * The test gives a card an address and brings it up, which only the
 * harness's guest (in_harness_guest()) has cards for: anywhere else it is
 * skipped.
 */
#include "../kselftest_harness.h"
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include "iommu_test_util.h"

#define NET_BLOCK		(64 * 1024)
#define NET_BYTES		(8 * 1024 * 1024)
#define NET_BLOCK_MULT		0x9e3779b97f4a7c15ULL
#define NET_REPLY_SEED		0x5deece66dULL
#define LINK_TIMEOUT_MS		10000

/* The first block of a stream; block k is it XOR (k + 1) * NET_BLOCK_MULT. */
static void stream_base(__u64 seed, __u64 *base)
{
	__u64 state = seed;

	prng_fill(&state, base, NET_BLOCK);
}

static void stream_block(const __u64 *base, __u64 k, __u64 *out)
{
	__u64 x = (k + 1) * NET_BLOCK_MULT;

	for (size_t i = 0; i < NET_BLOCK / sizeof(__u64); i++)
		out[i] = base[i] ^ x;
}

/* The network interface whose device @driver drives, or -ENODEV. */
static int netdev_by_driver(const char *driver, char *ifname, size_t len)
{
	char path[PATH_MAX], name[64];
	struct dirent *de;
	int err = -ENODEV;
	DIR *dir;

	dir = opendir("/sys/class/net");
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%s/device",
			 de->d_name);
		link_target_name(path, "driver", name, sizeof(name));
		if (!strcmp(name, driver)) {
			snprintf(ifname, len, "%s", de->d_name);
			err = 0;
			break;
		}
	}
	closedir(dir);
	return err;
}

/* Bring @ifname down, or up if @up; *@was_up says how it was. */
static int netdev_set_up(int fd, const char *ifname, bool up, bool *was_up)
{
	struct ifreq ifr = { };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFFLAGS, &ifr))
		return -errno;
	*was_up = ifr.ifr_flags & IFF_UP;
	if (up)
		ifr.ifr_flags |= IFF_UP;
	else
		ifr.ifr_flags &= ~IFF_UP;
	return ioctl(fd, SIOCSIFFLAGS, &ifr) ? -errno : 0;
}

/*
 * Give @ifname the address @addr/24 and bring it up; *@was_up says
 * whether it was up already.
 */
static int netdev_up(const char *ifname, const char *addr, bool *was_up)
{
	struct ifreq ifr = { };
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
	int fd, err = 0;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, addr, &sin->sin_addr);
	if (ioctl(fd, SIOCSIFADDR, &ifr))
		err = -errno;
	inet_pton(AF_INET, "255.255.255.0", &sin->sin_addr);
	if (!err && ioctl(fd, SIOCSIFNETMASK, &ifr))
		err = -errno;
	if (!err)
		err = netdev_set_up(fd, ifname, true, was_up);
	close(fd);
	return err;
}

/* Bring @ifname down again. */
static int netdev_down(const char *ifname)
{
	bool was_up;
	int fd, err;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -errno;
	err = netdev_set_up(fd, ifname, false, &was_up);
	close(fd);
	return err;
}

static bool netdev_carrier(const char *ifname, int timeout_ms)
{
	char path[PATH_MAX], val[8];

	snprintf(path, sizeof(path), "/sys/class/net/%s/carrier", ifname);
	for (int waited = 0; waited <= timeout_ms; waited += 50) {
		if (!sysfs_read(path, val, sizeof(val)) && !strcmp(val, "1"))
			return true;
		usleep(50 * 1000);
	}
	return false;
}

static int send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, 0);

		if (n <= 0)
			return n ? -errno : -EPIPE;
		p += n;
		len -= n;
	}
	return 0;
}

static int recv_all(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = recv(fd, p, len, 0);

		if (n <= 0)
			return n ? -errno : -ECONNRESET;
		p += n;
		len -= n;
	}
	return 0;
}

/* One line from @fd, without its newline. */
static int recv_line(int fd, char *line, size_t len)
{
	size_t i = 0;

	while (i + 1 < len) {
		int err = recv_all(fd, line + i, 1);

		if (err)
			return err;
		if (line[i] == '\n')
			break;
		i++;
	}
	line[i] = '\0';
	return 0;
}

FIXTURE(net) {
	char ifname[IFNAMSIZ];
	int port;
	int sock;
	__u64 *base, *block, *got;
	__u64 seed;
	bool brought_up;	/* the card was down: put it back down */
};

FIXTURE_VARIANT(net) {
	const char *driver;	/* of the card */
	const char *addr;	/* the guest's address on the card's network */
	const char *host;	/* the host's */
};

FIXTURE_VARIANT_ADD(net, e1000e) {
	.driver = "e1000e",
	.addr = "10.0.2.15",
	.host = "10.0.2.2",
};

FIXTURE_VARIANT_ADD(net, virtio_net) {
	.driver = "virtio_net",
	.addr = "10.0.3.15",
	.host = "10.0.3.2",
};

FIXTURE_SETUP(net)
{
	char path[PATH_MAX], devdir[PATH_MAX], port[16];
	bool was_up;
	int group;

	self->sock = -1;
	self->brought_up = false;
	self->base = NULL;
	self->block = NULL;
	self->got = NULL;
	if (!in_harness_guest())
		SKIP(return, "not the harness's guest, whose cards it sets up");
	ASSERT_EQ(0, netdev_by_driver(variant->driver, self->ifname,
				      sizeof(self->ifname))) {
		TH_LOG("no network card driven by %s", variant->driver);
	}
	ASSERT_EQ(0, cmdline_value("netport", port, sizeof(port))) {
		TH_LOG("no traffic server (netport= on the command line)");
	}
	self->port = atoi(port);

	snprintf(path, sizeof(path), "/sys/class/net/%s/device", self->ifname);
	group = sysfs_iommu_group(path, devdir, sizeof(devdir));
	ASSERT_LE(0, group) {
		TH_LOG("%s is not behind an IOMMU", self->ifname);
	}
	TH_LOG("%s (%s) at %s, IOMMU group %d", self->ifname, variant->driver,
	       strrchr(devdir, '/') + 1, group);
	ASSERT_EQ(0, netdev_up(self->ifname, variant->addr, &was_up));
	self->brought_up = !was_up;
	ASSERT_TRUE(netdev_carrier(self->ifname, LINK_TIMEOUT_MS)) {
		TH_LOG("%s has no link", self->ifname);
	}
	self->base = malloc(NET_BLOCK);
	self->block = malloc(NET_BLOCK);
	self->got = malloc(NET_BLOCK);
	ASSERT_TRUE(self->base && self->block && self->got);
	self->seed = test_seed();
	TH_LOG("seed %llu (set IOMMU_TEST_SEED to replay)",
	       (unsigned long long)self->seed);
}

FIXTURE_TEARDOWN(net)
{
	if (self->sock >= 0)
		close(self->sock);
	free(self->base);
	free(self->block);
	free(self->got);
	/*
	 * A card left up keeps receiving and refilling its receive ring, so
	 * what is mapped for it would change under whatever runs next.
	 */
	if (self->brought_up && netdev_down(self->ifname))
		TH_LOG("could not bring %s down again", self->ifname);
}

TEST_F(net, stream_both_ways)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	char line[128];
	__u64 k;

	sa.sin_port = htons(self->port);
	ASSERT_EQ(1, inet_pton(AF_INET, variant->host, &sa.sin_addr));
	self->sock = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, self->sock);
	/* Through this card, whatever the routes say. */
	ASSERT_EQ(0, setsockopt(self->sock, SOL_SOCKET, SO_BINDTODEVICE,
				self->ifname, strlen(self->ifname)));
	ASSERT_EQ(0, connect(self->sock, (struct sockaddr *)&sa, sizeof(sa))) {
		TH_LOG("connect to %s:%d: %s", variant->host, self->port,
		       strerror(errno));
	}

	snprintf(line, sizeof(line), "IOMMU-NET %s %llu %d\n", variant->driver,
		 (unsigned long long)self->seed, NET_BYTES);
	ASSERT_EQ(0, send_all(self->sock, line, strlen(line)));
	stream_base(self->seed, self->base);
	for (k = 0; k < NET_BYTES / NET_BLOCK; k++) {
		stream_block(self->base, k, self->block);
		ASSERT_EQ(0, send_all(self->sock, self->block, NET_BLOCK));
	}

	ASSERT_EQ(0, recv_line(self->sock, line, sizeof(line)));
	ASSERT_EQ(0, strncmp(line, "OK ", 3)) {
		TH_LOG("the server says \"%s\" of what it received", line);
	}

	stream_base(self->seed ^ NET_REPLY_SEED, self->base);
	for (k = 0; k < NET_BYTES / NET_BLOCK; k++) {
		stream_block(self->base, k, self->block);
		ASSERT_EQ(0, recv_all(self->sock, self->got, NET_BLOCK));
		ASSERT_EQ(0, memcmp(self->block, self->got, NET_BLOCK)) {
			TH_LOG("block %llu of the server's stream differs",
			       (unsigned long long)k);
		}
	}
	TH_LOG("%d bytes each way through %s, checked", NET_BYTES,
	       self->ifname);
}

TEST_HARNESS_MAIN
