from aybiza.api.routers import router

from .views import (
    PhoneNumberHealthPeriodViewSet, PhoneNumberReservationViewSet, PhoneNumberViewSet, PortingRequestViewSet,
    SipTrunkHealthCheckViewSet, SipTrunkViewSet,
)

router.register("phone-numbers", PhoneNumberViewSet, basename="phone-number")
router.register("phone-number-reservations", PhoneNumberReservationViewSet, basename="phone-number-reservation")
router.register("porting-requests", PortingRequestViewSet, basename="porting-request")
router.register("sip-trunks", SipTrunkViewSet, basename="sip-trunk")
router.register("sip-trunk-health-checks", SipTrunkHealthCheckViewSet, basename="sip-trunk-health-check")
router.register("phone-number-health-periods", PhoneNumberHealthPeriodViewSet, basename="phone-number-health-period")
