################################################################################
#
# rackwatch
#
################################################################################

# The board bundle (npm run bundle:board -- --arch arm64 --out buildroot/app-bundle):
# the appliance bundled by esbuild, the built web UI and the node_modules with native
# parts. serialport's and netlink's addons are prebuilt for the target in it;
# better-sqlite3 is not N-API and has no prebuild in its npm tarball, so it is compiled
# here against the target Node's headers (nodejs-src installs them to staging).
RACKWATCH_VERSION = 0.1.0
RACKWATCH_SITE = $(BR2_EXTERNAL_RACKWATCH_PATH)/app-bundle
RACKWATCH_SITE_METHOD = local
RACKWATCH_LICENSE = Proprietary
RACKWATCH_DEPENDENCIES = host-nodejs nodejs rrdtool openssl

# $(NPM) carries the cross toolchain, the target arch, build-from-source and the target Node's
# headers (nodejs.mk). prebuild-install is left out of the bundle, so better-sqlite3's install
# script goes straight to node-gyp (npm's own), which needs no download with nodedir set.
define RACKWATCH_BUILD_CMDS
	cd $(@D)/node_modules/better-sqlite3 && $(NPM) run install --offline
endef

define RACKWATCH_INSTALL_TARGET_CMDS
	rm -rf $(TARGET_DIR)/opt/rackwatch
	mkdir -p $(TARGET_DIR)/opt/rackwatch
	cp -a $(@D)/. $(TARGET_DIR)/opt/rackwatch/
	rm -rf $(TARGET_DIR)/opt/rackwatch/node_modules/better-sqlite3/deps \
		$(TARGET_DIR)/opt/rackwatch/node_modules/better-sqlite3/src \
		$(TARGET_DIR)/opt/rackwatch/node_modules/better-sqlite3/build/Release/obj.target
	ln -sf /opt/rackwatch/bin/rackwatch-console $(TARGET_DIR)/usr/bin/rackwatch-console
endef

define RACKWATCH_INSTALL_INIT_SYSTEMD
	$(foreach unit,rackwatch.service rackwatch-firstboot.service \
		rackwatch-mark-good.service rackwatch-clock-restore.service \
		rackwatch-clock-save.service rackwatch-clock-save.timer \
		rackwatch-setup-issue.service rackwatch-factory-reset.service \
		rackwatch-console-init.service rackwatch-console-requests.path \
		rackwatch-console-requests.service,
		$(INSTALL) -D -m 0644 $(RACKWATCH_PKGDIR)/$(unit) \
			$(TARGET_DIR)/usr/lib/systemd/system/$(unit)
	)
endef

RACKWATCH_TECH_PASSWD = $(call qstrip,$(BR2_PACKAGE_RACKWATCH_TECH_PASSWD_HASH))

# the appliance's own user (dialout: the modem's tty); the technician's login lands in
# rackwatch-console and may talk to the appliance's local socket (group rackwatch) and write
# requests to root (group rwconsole, made here: /run/rackwatch-console/requests; the appliance's
# user is not in it)
define RACKWATCH_USERS
	rackwatch -1 rackwatch -1 * /data/rackwatch - dialout rackwatch appliance
	tech -1 tech -1 $(if $(RACKWATCH_TECH_PASSWD),$(RACKWATCH_TECH_PASSWD),*) /home/tech /usr/bin/rackwatch-console rackwatch,rwconsole field technician
endef

$(eval $(generic-package))
