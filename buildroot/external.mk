include $(sort $(wildcard $(BR2_EXTERNAL_RACKWATCH_PATH)/package/*/*.mk))
